using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EventBridge.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace EventBridge.Analyzers.CodeFixes;

/// <summary>Declares the type of an instance consumer, and every type that contains it, <c>partial</c> (EB1003).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.HostNotPartial];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span) is not { } node || node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method)
        {
            return;
        }

        var types = method.Ancestors().OfType<TypeDeclarationSyntax>().Where(type => !IsPartial(type)).ToList();
        if (types.Count == 0)
        {
            return;
        }

        var title = types.Count == 1
            ? "Make '" + types[0].Identifier.ValueText + "' partial"
            : "Make '" + types[0].Identifier.ValueText + "' and its containing types partial";
        context.RegisterCodeFix(
            CodeAction.Create(title, cancellationToken => AddPartialAsync(context.Document, root, types, cancellationToken), nameof(MakePartialCodeFix)),
            context.Diagnostics);
    }

    private static bool IsPartial(TypeDeclarationSyntax type) => type.Modifiers.Any(SyntaxKind.PartialKeyword);

    private static Task<Document> AddPartialAsync(
        Document document,
        SyntaxNode root,
        System.Collections.Generic.List<TypeDeclarationSyntax> types,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // ReplaceNodes hands each outer type its already rewritten inner types.
        var updated = root.ReplaceNodes(types, (_, rewritten) => AddPartial(rewritten));
        return Task.FromResult(document.WithSyntaxRoot(updated));
    }

    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        // 'partial' must come right before the type keyword, so it goes last among the modifiers.
        var partial = SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space);
        if (type.Modifiers.Count > 0)
        {
            return type.WithModifiers(type.Modifiers.Add(partial));
        }

        // The type keyword carries the declaration's indentation, which moves to the new first token.
        var keyword = type.Keyword;
        return type
            .WithKeyword(keyword.WithLeadingTrivia())
            .WithModifiers(SyntaxFactory.TokenList(partial.WithLeadingTrivia(keyword.LeadingTrivia)));
    }
}
