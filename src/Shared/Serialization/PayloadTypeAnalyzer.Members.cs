// Compiled into the generator and the analyzers, as part of PayloadTypeAnalyzer.
using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace EventBridge.CodeAnalysis;

internal sealed partial class PayloadTypeAnalyzer
{
    private const string JsonIgnoreAttributeName = JsonSerializationNamespace + "JsonIgnoreAttribute";

    /// <summary>
    /// Returns why a type that is only meaningful inside one process (a stream or an operating-system handle) cannot
    /// be a payload, or <see langword="null"/>.
    /// </summary>
    private static string? FindProcessLocalReason(ITypeSymbol type)
    {
        for (var current = type as INamedTypeSymbol; current is not null; current = current.BaseType)
        {
            switch (current.ToDisplayString())
            {
                case "System.IO.Stream":
                    return "a stream is a connection to data in this process, not a value; read it and send the bytes as "
                        + "byte[]";
                case "System.Runtime.InteropServices.SafeHandle":
                case "System.Runtime.InteropServices.CriticalHandle":
                case "System.Threading.WaitHandle":
                    return "operating-system handles are valid only in the process that opened them; send the data that "
                        + "the handle gives access to";
            }
        }

        return null;
    }

    /// <summary>
    /// Adds a problem for each <c>required</c> member of <paramref name="type"/> that generated reading cannot assign in
    /// its object initializer, because C# rejects an object creation that leaves a required member out (CS9035).
    /// <paramref name="initializerMembers"/> names the required properties that reading does assign.
    /// </summary>
    private void FindUnsetRequiredMembers(
        INamedTypeSymbol type,
        string path,
        HashSet<string> initializerMembers,
        List<PayloadProblem> problems)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null; current = current.BaseType)
        {
            foreach (var member in current.GetMembers())
            {
                if (member.IsStatic || !seen.Add(member.Name))
                {
                    continue;
                }

                var reason = member switch
                {
                    IFieldSymbol { IsRequired: true } =>
                        "required field '" + member.Name + "' is never set by reading, because fields are not serialized; "
                        + "make it a property with a public setter or init accessor",
                    IPropertySymbol { IsRequired: true } property when !initializerMembers.Contains(property.Name) =>
                        HasAttribute(property, JsonIgnoreAttributeName)
                            ? "required property '" + member.Name + "' is marked [JsonIgnore], so reading never sets it; "
                                + "remove [JsonIgnore] or the 'required' modifier"
                            : "required property '" + member.Name + "' cannot be set by reading, which sets only public "
                                + "properties with a public getter and a public setter or init accessor; make its accessors "
                                + "public, or remove the 'required' modifier",
                    _ => null,
                };

                if (reason is not null)
                {
                    problems.Add(new PayloadProblem { TypeName = GetDisplayName(current), MemberPath = path, Reason = reason });
                }
            }
        }
    }

    /// <summary>
    /// Adds the members of <paramref name="type"/> whose values a write and a read lose: instance fields, which are
    /// never serialized, and auto-properties that reading cannot set. Only types declared in the compilation are
    /// checked, because metadata does not show private fields or setters. Members marked <c>[JsonIgnore]</c> are
    /// left out on purpose and are not reported.
    /// </summary>
    private void FindLostMembers(
        INamedTypeSymbol type,
        string path,
        List<MemberShape> members,
        List<PayloadProblem> lostMembers)
    {
        var unread = new HashSet<string>(
            members.Where(member => member.Assignment == MemberAssignment.None).Select(member => member.Name.TrimStart('@')),
            StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType)
            {
                break;
            }

            var inSource = SymbolEqualityComparer.Default.Equals(current.ContainingAssembly, _compilation.Assembly);
            foreach (var member in current.GetMembers())
            {
                if (!inSource || member.IsStatic || member.IsImplicitlyDeclared || !seen.Add(member.Name))
                {
                    continue;
                }

                var reason = member switch
                {
                    IFieldSymbol { IsConst: false, AssociatedSymbol: null } field when !HasAttribute(field, JsonIgnoreAttributeName) =>
                        "fields are not serialized, so the receiver never gets its value; make it a public property or mark "
                        + "it [JsonIgnore]",
                    IPropertySymbol property when unread.Contains(property.Name) && IsStoredProperty(current, property) =>
                        "it has no public setter or init accessor and no matching constructor parameter, so the receiver "
                        + "gets its default value; add an init accessor or a constructor parameter, or mark it [JsonIgnore]",
                    _ => null,
                };

                if (reason is not null)
                {
                    lostMembers.Add(new PayloadProblem
                    {
                        TypeName = GetDisplayName(current),
                        MemberPath = path + "." + member.Name,
                        Reason = reason,
                    });
                }
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="property"/> keeps its own state: an auto-property (it has a compiler-made backing
    /// field) or one with a non-public setter. A computed get-only property loses nothing, because the receiver
    /// computes it again.
    /// </summary>
    private static bool IsStoredProperty(INamedTypeSymbol declaringType, IPropertySymbol property) =>
        property.SetMethod is not null
        || declaringType.GetMembers().OfType<IFieldSymbol>().Any(field =>
            SymbolEqualityComparer.Default.Equals(field.AssociatedSymbol, property));
}
