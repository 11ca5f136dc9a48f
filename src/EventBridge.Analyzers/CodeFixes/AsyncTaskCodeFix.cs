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

/// <summary>Changes an <c>async void</c> consumer to <c>async Task</c> (EB1012).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncTaskCodeFix)), Shared]
public sealed class AsyncTaskCodeFix : CodeFixProvider
{
    private const string TasksNamespace = "System.Threading.Tasks";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticIds.AsyncVoidConsumer];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root?.FindNode(context.Span)?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || method.ReturnType is not PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword })
        {
            return;
        }

        context.RegisterCodeFix(
            CodeAction.Create(
                "Return 'Task' instead of 'void'",
                cancellationToken => ReturnTaskAsync(context.Document, method, cancellationToken),
                nameof(AsyncTaskCodeFix)),
            context.Diagnostics);
    }

    private static async Task<Document> ReturnTaskAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
    {
        var root = (CompilationUnitSyntax)(await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var needsUsing = !model!.LookupNamespacesAndTypes(method.SpanStart, name: "Task")
            .Any(symbol => symbol.ToDisplayString() == TasksNamespace + ".Task");

        var taskType = SyntaxFactory.IdentifierName("Task").WithTriviaFrom(method.ReturnType);
        var updated = root.ReplaceNode(method.ReturnType, taskType);
        if (needsUsing)
        {
            updated = SyntaxEdits.AddUsing(updated, TasksNamespace);
        }

        return document.WithSyntaxRoot(updated);
    }
}
