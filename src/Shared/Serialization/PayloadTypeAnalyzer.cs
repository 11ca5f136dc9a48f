// Compiled into the generator and the analyzers, so that both apply one definition of a serializable payload.
using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace EventBridge.CodeAnalysis;

/// <summary>
/// Decides whether a payload type can be written and read as JSON by generated code and describes its shape.
/// Depends only on the Roslyn symbol model, not on any generator pipeline.
/// </summary>
internal sealed partial class PayloadTypeAnalyzer
{
    private const string JsonSerializationNamespace = "System.Text.Json.Serialization.";

    /// <summary>The display format of <see cref="TypeShape.FullName"/>: <c>global::</c> names and C# keywords.</summary>
    public static readonly SymbolDisplayFormat FullNameFormat = SymbolDisplayFormat.FullyQualifiedFormat;

    private static readonly SymbolDisplayFormat s_displayFormat = SymbolDisplayFormat.CSharpErrorMessageFormat
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    // Member paths start with the root type's name without its namespace ("Order.Lines[].Product"), so they stay short.
    private static readonly SymbolDisplayFormat s_pathRootFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    private readonly Compilation _compilation;
    private readonly NamingPolicy _naming;
    private readonly Dictionary<ISymbol, string> _valueTypes = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ISymbol, CollectionKind> _collections = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _dictionaries = new(SymbolEqualityComparer.Default);

    public PayloadTypeAnalyzer(Compilation compilation)
    {
        _compilation = compilation;
        _naming = GetNamingPolicy(compilation);
        AddValueType("System.DateTimeOffset", "DateTimeOffset");
        AddValueType("System.DateOnly", "DateOnly");
        AddValueType("System.TimeOnly", "TimeOnly");
        AddValueType("System.TimeSpan", "TimeSpan");
        AddValueType("System.Guid", "Guid");
        AddValueType("System.Uri", "Uri");
        AddValueType("System.Half", "Half");
        AddValueType("System.Int128", "Int128");
        AddValueType("System.UInt128", "UInt128");
        AddCollection("System.Collections.Generic.List`1", CollectionKind.List);
        AddCollection("System.Collections.Generic.IList`1", CollectionKind.List);
        AddCollection("System.Collections.Generic.ICollection`1", CollectionKind.List);
        AddCollection("System.Collections.Generic.IEnumerable`1", CollectionKind.List);
        AddCollection("System.Collections.Generic.IReadOnlyList`1", CollectionKind.List);
        AddCollection("System.Collections.Generic.IReadOnlyCollection`1", CollectionKind.List);
        AddCollection("System.Collections.Generic.HashSet`1", CollectionKind.HashSet);
        AddCollection("System.Collections.Generic.ISet`1", CollectionKind.HashSet);
        AddCollection("System.Collections.Generic.IReadOnlySet`1", CollectionKind.HashSet);
        AddDictionary("System.Collections.Generic.Dictionary`2");
        AddDictionary("System.Collections.Generic.IDictionary`2");
        AddDictionary("System.Collections.Generic.IReadOnlyDictionary`2");
    }

    /// <summary>Reads the naming policy of <c>[assembly: EventBridgeJson(Naming = ...)]</c>; snake_case when absent.</summary>
    public static NamingPolicy GetNamingPolicy(Compilation compilation)
    {
        foreach (var attribute in compilation.Assembly.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() != "EventBridge.Serialization.EventBridgeJsonAttribute")
            {
                continue;
            }

            foreach (var argument in attribute.NamedArguments)
            {
                if (argument.Key == "Naming" && argument.Value.Value is int value && value is >= 0 and <= 2)
                {
                    return (NamingPolicy)value;
                }
            }
        }

        return NamingPolicy.SnakeCaseLower;
    }

    /// <summary>The fully qualified name that <see cref="TypeShape.FullName"/> uses for <paramref name="type"/>.</summary>
    public static string GetFullName(ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullNameFormat);

    /// <summary>The readable name that <see cref="TypeShape.DisplayName"/> uses for <paramref name="type"/>.</summary>
    public static string GetDisplayName(ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_displayFormat);

    /// <summary>The first segment of the member paths in <see cref="PayloadProblem.MemberPath"/> for <paramref name="root"/>.</summary>
    public static string GetPathRoot(ITypeSymbol root) =>
        root.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_pathRootFormat);

    /// <summary>Describes <paramref name="root"/> and every type it contains, or lists why they cannot be serialized.</summary>
    public PayloadAnalysis Analyze(ITypeSymbol root, CancellationToken cancellationToken)
    {
        var shapes = new List<TypeShape>();
        var problems = new List<PayloadProblem>();
        var lostMembers = new List<PayloadProblem>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<(ITypeSymbol Type, string Path, int Depth)>();
        pending.Enqueue((root, GetPathRoot(root), 0));
        visited.Add(GetFullName(root));

        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (type, path, depth) = pending.Dequeue();
            var shape = Describe(type, path, problems, lostMembers, (child, childPath) =>
            {
                // Each type is visited once, so only a graph that keeps producing new types, such as
                // record Node<T>(T Value, Node<Node<T>>? Next), reaches this depth; without the limit the walk never ends.
                if (depth >= MaxDepth)
                {
                    problems.Add(new PayloadProblem
                    {
                        TypeName = GetDisplayName(child),
                        MemberPath = childPath,
                        Reason = "the type graph is nested more than " + MaxDepth + " levels deep, which happens when a generic "
                            + "type contains itself with other type arguments; give the recursive member a fixed type",
                    });
                }
                else if (visited.Add(GetFullName(child)))
                {
                    pending.Enqueue((child, childPath, depth + 1));
                }
            });

            if (shape is not null)
            {
                shapes.Add(shape);
            }
        }

        return new PayloadAnalysis
        {
            RootFullName = GetFullName(root),
            Shapes = problems.Count == 0 ? shapes.ToEquatableArray() : EquatableArray<TypeShape>.Empty,
            Problems = problems.ToEquatableArray(),
            LostMembers = lostMembers.ToEquatableArray(),
        };
    }

    private TypeShape? Describe(
        ITypeSymbol type,
        string path,
        List<PayloadProblem> problems,
        List<PayloadProblem> lostMembers,
        Action<ITypeSymbol, string> visit)
    {
        type = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        var problem = FindUnsupportedKind(type);
        if (problem is not null)
        {
            problems.Add(new PayloadProblem
            {
                TypeName = GetDisplayName(type),
                MemberPath = path,
                Reason = problem,
                IsUnresolvedType = type.TypeKind == TypeKind.Error,
            });
            return null;
        }

        var valueName = GetValueSerializerName(type);
        if (valueName is not null)
        {
            return NewShape(type, PayloadKind.Value) with { ValueSerializerName = valueName };
        }

        if (type is IArrayTypeSymbol array)
        {
            visit(array.ElementType, path + "[]");
            return NewShape(type, PayloadKind.Collection) with
            {
                ElementFullName = GetFullName(array.ElementType),
                CollectionKind = CollectionKind.Array,
            };
        }

        var named = (INamedTypeSymbol)type;
        if (named.TypeKind == TypeKind.Enum)
        {
            return DescribeEnum(named);
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
        {
            visit(named.TypeArguments[0], path);
            return NewShape(type, PayloadKind.Nullable) with { ElementFullName = GetFullName(named.TypeArguments[0]) };
        }

        if (_collections.TryGetValue(named.OriginalDefinition, out var collectionKind))
        {
            visit(named.TypeArguments[0], path + "[]");
            return NewShape(type, PayloadKind.Collection) with
            {
                ElementFullName = GetFullName(named.TypeArguments[0]),
                CollectionKind = collectionKind,
            };
        }

        if (_dictionaries.Contains(named.OriginalDefinition))
        {
            visit(named.TypeArguments[1], path + "{}");
            return NewShape(type, PayloadKind.Dictionary) with
            {
                ElementFullName = GetFullName(named.TypeArguments[1]),
                CollectionKind = CollectionKind.Dictionary,
            };
        }

        return DescribeObject(named, path, problems, lostMembers, visit);
    }

    /// <summary>Returns why <paramref name="type"/> can never be a payload, or <see langword="null"/>.</summary>
    private string? FindUnsupportedKind(ITypeSymbol type)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Error:
                return "the type could not be resolved";
            case TypeKind.TypeParameter:
                return "it is a generic type parameter, and serializers are generated for concrete types only";
            case TypeKind.Dynamic:
                return "'dynamic' has no fixed shape; use a concrete type";
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return "pointers are addresses in one process and cannot be serialized; send the value they point to";
            case TypeKind.Delegate:
                return "delegates are code, not data, and cannot be serialized; send the data that the receiver needs";
            case TypeKind.Interface when !IsKnownGenericCollection(type):
                return "interfaces other than the standard collection interfaces cannot be serialized; use a concrete class";
        }

        if (type is IArrayTypeSymbol { Rank: > 1 })
        {
            return "multi-dimensional arrays are not supported; use an array of arrays";
        }

        if (type.SpecialType == SpecialType.System_Object)
        {
            return "'object' has no fixed shape; use a concrete type";
        }

        if (type.SpecialType is SpecialType.System_IntPtr or SpecialType.System_UIntPtr)
        {
            return "native-sized integers (nint, IntPtr) usually hold handles or addresses that mean nothing in another "
                + "process; use a fixed-size integer type such as long";
        }

        if (type.IsRefLikeType)
        {
            return "ref struct types such as Span<T> live on the stack and cannot be stored in a payload; use an array "
                + "or List<T>";
        }

        var processLocal = FindProcessLocalReason(type);
        if (processLocal is not null)
        {
            return processLocal;
        }

        if (type.IsTupleType)
        {
            return "tuples have no member names in JSON; use a record";
        }

        if (type is IArrayTypeSymbol || GetValueSerializerName(type) is not null || type.TypeKind == TypeKind.Enum)
        {
            return IsAccessible(type) ? null : NotAccessible;
        }

        if (type is not INamedTypeSymbol named)
        {
            return "the type cannot be serialized";
        }

        if (!IsAccessible(type))
        {
            return NotAccessible;
        }

        if (_dictionaries.Contains(named.OriginalDefinition))
        {
            return named.TypeArguments[0].SpecialType == SpecialType.System_String
                ? null
                : "dictionaries need string keys, because JSON object keys are strings";
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T || IsKnownGenericCollection(named))
        {
            return null;
        }

        if (named.IsAnonymousType)
        {
            return "anonymous types cannot be named by generated code; use a record";
        }

        if (named.IsFileLocal)
        {
            return "file-local types cannot be named by generated code in another file; make the type internal";
        }

        if (named.IsStatic)
        {
            return "static classes have no instances";
        }

        if (named.IsAbstract)
        {
            return "abstract types cannot be created when reading; use a concrete type";
        }

        if (named.TypeKind is not (TypeKind.Class or TypeKind.Struct))
        {
            return "only classes, structs, records, enums and the standard collections can be serialized";
        }

        if (named.IsUnboundGenericType)
        {
            return "open generic types cannot be serialized";
        }

        if (named.Locations.All(location => !location.IsInSource) && IsFrameworkNamespace(named.ContainingNamespace))
        {
            return "this framework type is not one of the supported built-in types (see the EB1001 section of "
                + "docs/diagnostics.md); use a supported type or your own record";
        }

        if (ImplementsEnumerable(named))
        {
            return "custom collection types are not supported; use an array, List<T>, HashSet<T> or a collection interface";
        }

        return null;
    }

    /// <summary>The maximum nesting of members, elements and values that a payload type graph may have.</summary>
    private const int MaxDepth = 64;

    private const string NotAccessible =
        "it is not accessible to generated code in this assembly; make it and its containing types public or internal";

    private TypeShape DescribeEnum(INamedTypeSymbol type)
    {
        var members = new List<EnumMemberShape>();
        foreach (var field in type.GetMembers().OfType<IFieldSymbol>())
        {
            if (!field.HasConstantValue || field.ConstantValue is null)
            {
                continue;
            }

            members.Add(new EnumMemberShape
            {
                Name = EscapeIdentifier(field.Name),
                JsonName = GetAttributeString(field, JsonSerializationNamespace + "JsonStringEnumMemberNameAttribute")
                    ?? field.Name,
                Bits = ToBits(field.ConstantValue),
            });
        }

        return NewShape(type, PayloadKind.Enum) with
        {
            EnumMembers = members.ToEquatableArray(),
            EnumUnderlyingType = type.EnumUnderlyingType?.ToDisplayString() ?? "int",
            IsFlagsEnum = type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.FlagsAttribute"),
        };
    }

    private TypeShape? DescribeObject(
        INamedTypeSymbol type,
        string path,
        List<PayloadProblem> problems,
        List<PayloadProblem> lostMembers,
        Action<ITypeSymbol, string> visit)
    {
        var problemCount = problems.Count;
        var constructor = ChooseConstructor(type, out var constructorProblem);
        if (constructorProblem is not null)
        {
            problems.Add(new PayloadProblem { TypeName = GetDisplayName(type), MemberPath = path, Reason = constructorProblem });
            return null;
        }

        var setsRequired = constructor is not null && constructor.GetAttributes().Any(a =>
            a.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute");

        var members = new List<MemberShape>();
        var properties = new List<IPropertySymbol>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // The most derived type's properties come first, as System.Text.Json orders them.
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.SpecialType is SpecialType.System_Object or SpecialType.System_ValueType)
            {
                break;
            }

            foreach (var property in current.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic
                    || property.IsIndexer
                    || property.DeclaredAccessibility != Accessibility.Public
                    || property.GetMethod is null
                    || property.GetMethod.DeclaredAccessibility != Accessibility.Public
                    || property.ReturnsByRef
                    || property.ReturnsByRefReadonly
                    || !seen.Add(property.Name))
                {
                    continue;
                }

                properties.Add(property);
            }
        }

        var parameters = constructor?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
        var boundParameters = new bool[parameters.Length];
        var initializerMembers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in properties)
        {
            var ignore = GetIgnoreCondition(property, out var ignoredAlways);
            if (ignoredAlways)
            {
                continue;
            }

            var memberPath = path + "." + property.Name;
            visit(property.Type, memberPath);

            var parameterIndex = FindParameter(parameters, property.Name);

            var assignment = MemberAssignment.None;
            IParameterSymbol? parameter = null;
            if (parameterIndex >= 0)
            {
                parameter = parameters[parameterIndex];
                if (!SymbolEqualityComparer.Default.Equals(
                        parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated),
                        property.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)))
                {
                    problems.Add(new PayloadProblem
                    {
                        TypeName = GetDisplayName(type),
                        MemberPath = memberPath,
                        Reason = "constructor parameter '" + parameter.Name + "' has type '" + GetDisplayName(parameter.Type)
                            + "' but the property has type '" + GetDisplayName(property.Type) + "'; they must match",
                    });
                    continue;
                }

                boundParameters[parameterIndex] = true;
                assignment = MemberAssignment.Constructor;
            }
            else if (property.SetMethod is { DeclaredAccessibility: Accessibility.Public } setter)
            {
                assignment = setter.IsInitOnly ? MemberAssignment.Init : MemberAssignment.Setter;
            }

            var allowsNull = AllowsNull(property.Type);
            var requiredKeyword = property.IsRequired && !setsRequired;

            // Generated reading assigns a required property in the object initializer, also when the constructor
            // takes it, because C# rejects an object creation that leaves a required member out (CS9035).
            if (requiredKeyword && (assignment is MemberAssignment.Init or MemberAssignment.Setter
                || (assignment == MemberAssignment.Constructor && property.SetMethod is { DeclaredAccessibility: Accessibility.Public })))
            {
                initializerMembers.Add(property.Name);
            }

            var required = requiredKeyword
                || (parameter is not null && !parameter.HasExplicitDefaultValue && !allowsNull);
            string? parameterDefault = null;
            if (parameter is { HasExplicitDefaultValue: true })
            {
                parameterDefault = CSharpLiterals.Format(parameter.ExplicitDefaultValue, parameter.Type, GetFullName(parameter.Type))
                    ?? "default!";
            }

            members.Add(new MemberShape
            {
                Name = EscapeIdentifier(property.Name),
                JsonName = GetAttributeString(property, JsonSerializationNamespace + "JsonPropertyNameAttribute")
                    ?? JsonNaming.Convert(property.Name, _naming),
                TypeFullName = GetFullName(property.Type),
                Assignment = assignment,
                ConstructorPosition = parameterIndex,
                ConstructorDefault = parameterDefault,
                IsRequiredKeyword = requiredKeyword,
                IsRequired = required,
                AllowsNull = allowsNull,
                IsValueType = property.Type.IsValueType,
                IgnoreCondition = ignore,
            });
        }

        for (var i = 0; i < parameters.Length; i++)
        {
            if (!boundParameters[i] && problems.Count == problemCount)
            {
                // A positional record member marked [property: JsonIgnore] lands here: its property exists but is never
                // read, so nothing can supply the constructor parameter.
                var ignoredProperty = type.GetMembers(parameters[i].Name).OfType<IPropertySymbol>()
                    .Any(candidate => HasAttribute(candidate, JsonSerializationNamespace + "JsonIgnoreAttribute"));
                problems.Add(new PayloadProblem
                {
                    TypeName = GetDisplayName(type),
                    MemberPath = path,
                    Reason = ignoredProperty
                        ? "constructor parameter '" + parameters[i].Name + "' sets the [JsonIgnore] property of the same name, "
                            + "so reading cannot supply it; move that member out of the positional parameter list and declare it "
                            + "as a property with [JsonIgnore]"
                        : "constructor parameter '" + parameters[i].Name
                            + "' matches no public property; every parameter of the constructor used for reading needs a property of the same name",
                });
            }
        }

        if (!setsRequired && problems.Count == problemCount)
        {
            FindUnsetRequiredMembers(type, path, initializerMembers, problems);
        }

        var jsonNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (jsonNames.TryGetValue(member.JsonName, out var other))
            {
                problems.Add(new PayloadProblem
                {
                    TypeName = GetDisplayName(type),
                    MemberPath = path + "." + member.Name.TrimStart('@'),
                    Reason = "properties '" + other + "' and '" + member.Name.TrimStart('@') + "' both have the JSON name '"
                        + member.JsonName + "'; give one another name with [JsonPropertyName]",
                });
            }
            else
            {
                jsonNames.Add(member.JsonName, member.Name.TrimStart('@'));
            }
        }

        if (problems.Count != problemCount)
        {
            return null;
        }

        FindLostMembers(type, path, constructor, members, lostMembers);
        return NewShape(type, PayloadKind.Object) with
        {
            Members = members.ToEquatableArray(),
            HasParameterizedConstructor = parameters.Length > 0,
            ConstructorSetsRequiredMembers = setsRequired,
        };
    }

    /// <summary>
    /// Finds the constructor parameter of a property: the one with the same name, else the one whose name differs
    /// only by case (a positional record's <c>Name</c> property and <c>name</c> parameter), or -1.
    /// </summary>
    private static int FindParameter(ImmutableArray<IParameterSymbol> parameters, string propertyName)
    {
        for (var i = 0; i < parameters.Length; i++)
        {
            if (string.Equals(parameters[i].Name, propertyName, StringComparison.Ordinal))
            {
                return i;
            }
        }

        var match = -1;
        for (var i = 0; i < parameters.Length; i++)
        {
            if (string.Equals(parameters[i].Name, propertyName, StringComparison.OrdinalIgnoreCase))
            {
                // Two candidates that differ only by case are ambiguous, so neither is taken.
                if (match >= 0)
                {
                    return -1;
                }

                match = i;
            }
        }

        return match;
    }

    /// <summary>
    /// Picks the constructor that reading calls: the one marked <c>[JsonConstructor]</c>, else a public
    /// parameterless one (every struct has one), else the only public one.
    /// </summary>
    private IMethodSymbol? ChooseConstructor(INamedTypeSymbol type, out string? problem)
    {
        problem = null;
        var constructors = type.InstanceConstructors.Where(c => !c.IsImplicitlyDeclared || c.Parameters.Length == 0).ToList();
        var marked = constructors
            .Where(c => HasAttribute(c, JsonSerializationNamespace + "JsonConstructorAttribute"))
            .ToList();
        if (marked.Count > 1)
        {
            problem = "more than one constructor is marked [JsonConstructor]";
            return null;
        }

        if (marked.Count == 1)
        {
            if (!_compilation.IsSymbolAccessibleWithin(marked[0], _compilation.Assembly))
            {
                problem = "the [JsonConstructor] constructor is not accessible to generated code; make it public or internal";
                return null;
            }

            return Validate(marked[0], out problem);
        }

        if (type.IsValueType)
        {
            return null;
        }

        var publicConstructors = constructors.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
        if (publicConstructors.Any(c => c.Parameters.Length == 0))
        {
            return null;
        }

        // A record's copy constructor is protected, so only its primary constructor is left here.
        if (publicConstructors.Count == 1)
        {
            return Validate(publicConstructors[0], out problem);
        }

        problem = publicConstructors.Count == 0
            ? "it has no public constructor; add one or mark an internal one [JsonConstructor]"
            : "it has several public constructors and none is parameterless; mark the one to use [JsonConstructor]";
        return null;
    }

    private static IMethodSymbol? Validate(IMethodSymbol constructor, out string? problem)
    {
        problem = constructor.Parameters.Any(p => p.RefKind is not (RefKind.None or RefKind.In))
            ? "the constructor used for reading has ref or out parameters"
            : null;
        return problem is null ? constructor : null;
    }

    private static IgnoreCondition GetIgnoreCondition(IPropertySymbol property, out bool ignoredAlways)
    {
        ignoredAlways = false;
        var attribute = FindAttribute(property, JsonSerializationNamespace + "JsonIgnoreAttribute");
        if (attribute is null)
        {
            return IgnoreCondition.Never;
        }

        // JsonIgnoreCondition: Never = 0, Always = 1, WhenWritingDefault = 2, WhenWritingNull = 3.
        var condition = 1;
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Condition" && argument.Value.Value is int value)
            {
                condition = value;
            }
        }

        switch (condition)
        {
            case 1:
                ignoredAlways = true;
                return IgnoreCondition.Never;
            case 2:
                return IgnoreCondition.WhenWritingDefault;
            case 3:
                return IgnoreCondition.WhenWritingNull;
            default:
                return IgnoreCondition.Never;
        }
    }

    private static bool AllowsNull(ITypeSymbol type) => type.IsValueType
        ? type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T
        : type.NullableAnnotation != NullableAnnotation.NotAnnotated;

    private TypeShape NewShape(ITypeSymbol type, PayloadKind kind) => new()
    {
        FullName = GetFullName(type),
        DisplayName = GetDisplayName(type),
        Kind = kind,
        IsValueType = type.IsValueType,
        IsDeclaredInSource = SymbolEqualityComparer.Default.Equals(type.ContainingAssembly, _compilation.Assembly),
    };

    private string? GetValueSerializerName(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return "Boolean";
            case SpecialType.System_Char: return "Char";
            case SpecialType.System_SByte: return "SByte";
            case SpecialType.System_Byte: return "Byte";
            case SpecialType.System_Int16: return "Int16";
            case SpecialType.System_UInt16: return "UInt16";
            case SpecialType.System_Int32: return "Int32";
            case SpecialType.System_UInt32: return "UInt32";
            case SpecialType.System_Int64: return "Int64";
            case SpecialType.System_UInt64: return "UInt64";
            case SpecialType.System_Single: return "Single";
            case SpecialType.System_Double: return "Double";
            case SpecialType.System_Decimal: return "Decimal";
            case SpecialType.System_String: return "String";
            case SpecialType.System_DateTime: return "DateTime";
        }

        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return "ByteArray";
        }

        return _valueTypes.TryGetValue(type.OriginalDefinition, out var name) ? name : null;
    }

    private bool IsKnownGenericCollection(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && (_collections.ContainsKey(named.OriginalDefinition) || _dictionaries.Contains(named.OriginalDefinition));

    private static bool ImplementsEnumerable(INamedTypeSymbol type) =>
        type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_Collections_IEnumerable)
        && type.SpecialType != SpecialType.System_String;

    private bool IsAccessible(ITypeSymbol type) => _compilation.IsSymbolAccessibleWithin(type, _compilation.Assembly);

    private static bool IsFrameworkNamespace(INamespaceSymbol? ns)
    {
        while (ns is { ContainingNamespace.IsGlobalNamespace: false })
        {
            ns = ns.ContainingNamespace;
        }

        return ns is { Name: "System" or "Microsoft" };
    }

    private static ulong ToBits(object value) => value switch
    {
        sbyte v => unchecked((ulong)v),
        short v => unchecked((ulong)v),
        int v => unchecked((ulong)v),
        long v => unchecked((ulong)v),
        byte v => v,
        ushort v => v,
        uint v => v,
        ulong v => v,
        char v => v,
        _ => 0,
    };

    private static string EscapeIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static bool HasAttribute(ISymbol symbol, string metadataName) => FindAttribute(symbol, metadataName) is not null;

    private static AttributeData? FindAttribute(ISymbol symbol, string metadataName)
    {
        foreach (var attribute in symbol.GetAttributes())
        {
            if (attribute.AttributeClass?.ToDisplayString() == metadataName)
            {
                return attribute;
            }
        }

        return null;
    }

    private static string? GetAttributeString(ISymbol symbol, string metadataName)
    {
        var attribute = FindAttribute(symbol, metadataName);
        return attribute is { ConstructorArguments.Length: 1 } && attribute.ConstructorArguments[0].Value is string text
            ? text
            : null;
    }

    private void AddValueType(string metadataName, string serializerName)
    {
        if (_compilation.GetTypeByMetadataName(metadataName) is { } type)
        {
            _valueTypes[type] = serializerName;
        }
    }

    private void AddCollection(string metadataName, CollectionKind kind)
    {
        if (_compilation.GetTypeByMetadataName(metadataName) is { } type)
        {
            _collections[type] = kind;
        }
    }

    private void AddDictionary(string metadataName)
    {
        if (_compilation.GetTypeByMetadataName(metadataName) is { } type)
        {
            _dictionaries.Add(type);
        }
    }
}
