// Compiled into the generator and the analyzers.
using System.Linq;
using Microsoft.CodeAnalysis;

namespace EventBridge.CodeAnalysis.Rules;

/// <summary>Finds the member that a <see cref="PayloadProblem.MemberPath"/> ends at.</summary>
internal static class MemberPaths
{
    /// <summary>
    /// Follows <paramref name="path"/> (the root's name, then <c>.Name</c>, <c>[]</c> for collection elements and
    /// <c>{}</c> for dictionary values) from <paramref name="root"/> and returns the last property or field on it,
    /// or <see langword="null"/> when the path names no member.
    /// </summary>
    public static ISymbol? FindLastMember(ITypeSymbol root, string path)
    {
        var prefix = PayloadTypeAnalyzer.GetPathRoot(root);
        if (!path.StartsWith(prefix, System.StringComparison.Ordinal))
        {
            return null;
        }

        ISymbol? member = null;
        ITypeSymbol? current = Unwrap(root);
        var index = prefix.Length;
        while (index < path.Length && current is not null)
        {
            if (string.CompareOrdinal(path, index, "[]", 0, 2) == 0)
            {
                current = Unwrap(GetElementType(current));
                index += 2;
            }
            else if (string.CompareOrdinal(path, index, "{}", 0, 2) == 0)
            {
                current = Unwrap(current is INamedTypeSymbol { TypeArguments.Length: 2 } dictionary ? dictionary.TypeArguments[1] : null);
                index += 2;
            }
            else if (path[index] == '.')
            {
                var end = path.IndexOfAny(['.', '[', '{'], index + 1);
                end = end < 0 ? path.Length : end;
                member = FindMember(current, path.Substring(index + 1, end - index - 1));
                current = Unwrap(member switch
                {
                    IPropertySymbol property => property.Type,
                    IFieldSymbol field => field.Type,
                    _ => null,
                });
                index = end;
            }
            else
            {
                return null;
            }
        }

        return member;
    }

    /// <summary>The first location of <paramref name="symbol"/> in source, or <see langword="null"/>.</summary>
    public static Location? GetSourceLocation(ISymbol? symbol) =>
        symbol?.Locations.FirstOrDefault(location => location.IsInSource);

    private static ISymbol? FindMember(ITypeSymbol type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            var member = current.GetMembers(name).FirstOrDefault(m => m is IPropertySymbol or IFieldSymbol);
            if (member is not null)
            {
                return member;
            }
        }

        return null;
    }

    private static ITypeSymbol? GetElementType(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => array.ElementType,
        INamedTypeSymbol { TypeArguments.Length: 1 } named => named.TypeArguments[0],
        _ => null,
    };

    private static ITypeSymbol? Unwrap(ITypeSymbol? type) =>
        type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable
            ? nullable.TypeArguments[0]
            : type;
}
