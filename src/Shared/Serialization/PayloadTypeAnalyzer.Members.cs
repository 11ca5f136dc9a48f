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
        IMethodSymbol? constructor,
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
                        DescribeUnreadProperty(type, constructor, property),
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
    /// Explains why reading cannot set <paramref name="property"/>, naming a constructor whose parameter would set it
    /// when the type has one. Reading calls a struct's parameterless constructor unless another is marked
    /// [JsonConstructor], as System.Text.Json does, so such a constructor is easy to overlook.
    /// </summary>
    private string DescribeUnreadProperty(INamedTypeSymbol type, IMethodSymbol? constructor, IPropertySymbol property)
    {
        foreach (var candidate in type.InstanceConstructors)
        {
            if (SymbolEqualityComparer.Default.Equals(candidate, constructor)
                || candidate.IsImplicitlyDeclared
                || !_compilation.IsSymbolAccessibleWithin(candidate, _compilation.Assembly)
                || candidate.Parameters.Any(parameter => parameter.RefKind is not (RefKind.None or RefKind.In)))
            {
                continue;
            }

            var index = FindParameter(candidate.Parameters, property.Name);
            if (index < 0
                || !SymbolEqualityComparer.Default.Equals(
                    candidate.Parameters[index].Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated),
                    property.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
            {
                continue;
            }

            var used = constructor is null ? "the parameterless constructor" : "'" + FormatConstructor(constructor) + "'";
            var fix = constructor is not null && HasAttribute(constructor, JsonSerializationNamespace + "JsonConstructorAttribute")
                ? "move [JsonConstructor] to that constructor"
                : "mark that constructor [JsonConstructor]";
            return "reading calls " + used + ", not '" + FormatConstructor(candidate) + "', whose parameter '"
                + candidate.Parameters[index].Name + "' would set it, so the receiver gets its default value; " + fix
                + ", add an init accessor, or mark the member [JsonIgnore]";
        }

        return "it has no public setter or init accessor and no matching constructor parameter, so the receiver "
            + "gets its default value; add an init accessor or a constructor parameter, or mark it [JsonIgnore]";
    }

    /// <summary>Formats a constructor as its type's name and parameter list, for example <c>Point(int x, int y)</c>.</summary>
    private static string FormatConstructor(IMethodSymbol constructor) =>
        constructor.ContainingType.Name + "("
        + string.Join(", ", constructor.Parameters.Select(parameter => GetDisplayName(parameter.Type) + " " + parameter.Name))
        + ")";

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
