using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EventBridge.Analyzers.CodeFixes;

/// <summary>Small syntax edits that the code fixes share.</summary>
internal static class SyntaxEdits
{
    /// <summary>Returns the line break that <paramref name="root"/> uses, or <c>\n</c>.</summary>
    public static SyntaxTrivia GetEndOfLine(SyntaxNode root) =>
        root.DescendantTrivia().FirstOrDefault(trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } endOfLine
            ? endOfLine
            : SyntaxFactory.EndOfLine("\n");

    /// <summary>
    /// Adds <c>using <paramref name="namespaceName"/>;</c> to <paramref name="root"/> unless it is there already,
    /// keeping <c>System</c> namespaces first and the rest in ordinal order.
    /// </summary>
    public static CompilationUnitSyntax AddUsing(CompilationUnitSyntax root, string namespaceName)
    {
        if (root.Usings.Any(existing => existing.Alias is null && existing.StaticKeyword.IsKind(SyntaxKind.None)
            && existing.Name?.ToString() == namespaceName))
        {
            return root;
        }

        var endOfLine = GetEndOfLine(root);
        var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(namespaceName))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithTrailingTrivia(endOfLine);
        if (root.Usings.Count == 0)
        {
            // Leading comments (a file header) stay above the new directive, and a blank line follows it.
            var firstToken = root.GetFirstToken(includeZeroWidth: true);
            var leading = firstToken.LeadingTrivia;
            var updated = root.ReplaceToken(firstToken, firstToken.WithLeadingTrivia());
            return updated.WithUsings(SyntaxFactory.SingletonList(
                directive.WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine, endOfLine)));
        }

        var index = 0;
        while (index < root.Usings.Count && Compare(root.Usings[index], namespaceName) < 0)
        {
            index++;
        }

        return root.WithUsings(root.Usings.Insert(index, directive));
    }

    private static int Compare(UsingDirectiveSyntax existing, string namespaceName)
    {
        if (existing.Alias is not null || !existing.StaticKeyword.IsKind(SyntaxKind.None) || existing.Name is null)
        {
            return 1;
        }

        var name = existing.Name.ToString();
        var existingIsSystem = name == "System" || name.StartsWith("System.", System.StringComparison.Ordinal);
        var newIsSystem = namespaceName == "System" || namespaceName.StartsWith("System.", System.StringComparison.Ordinal);
        if (existingIsSystem != newIsSystem)
        {
            return existingIsSystem ? -1 : 1;
        }

        return string.CompareOrdinal(name, namespaceName);
    }
}
