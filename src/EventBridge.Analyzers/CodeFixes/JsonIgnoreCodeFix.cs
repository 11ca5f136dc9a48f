using System;
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

/// <summary>
/// Marks the payload member that a diagnostic is about <c>[JsonIgnore]</c> (EB1001, EB1002, EB1011). The member is
/// the diagnostic's additional location, which may be in another file than the consumer or emit call.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(JsonIgnoreCodeFix)), Shared]
public sealed class JsonIgnoreCodeFix : CodeFixProvider
{
    private const string SerializationNamespace = "System.Text.Json.Serialization";
    private const string AttributeName = "JsonIgnore";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        [DiagnosticIds.UnserializablePayload, DiagnosticIds.UnserializableEmitPayload, DiagnosticIds.LostPayloadMember];

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var solution = context.Document.Project.Solution;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (diagnostic.AdditionalLocations.FirstOrDefault() is not { IsInSource: true } memberLocation
                || solution.GetDocument(memberLocation.SourceTree) is not { } memberDocument)
            {
                continue;
            }

            var root = await memberDocument.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            var member = FindMember(root, memberLocation);
            if (member is null)
            {
                continue;
            }

            var name = member is FieldDeclarationSyntax field ? field.Declaration.Variables[0].Identifier.ValueText : ((PropertyDeclarationSyntax)member).Identifier.ValueText;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Mark '" + name + "' [JsonIgnore]",
                    cancellationToken => AddAttributeAsync(memberDocument, member, cancellationToken),
                    nameof(JsonIgnoreCodeFix) + "." + name),
                diagnostic);
        }
    }

    /// <summary>
    /// Returns the property or single-variable field declared at <paramref name="location"/>, or <see langword="null"/>
    /// when ignoring it would not help: a positional record parameter or a property that a constructor parameter
    /// sets, because reading would then find no property for that parameter.
    /// </summary>
    private static MemberDeclarationSyntax? FindMember(SyntaxNode? root, Location location)
    {
        var node = root?.FindNode(location.SourceSpan);
        MemberDeclarationSyntax? member = node switch
        {
            PropertyDeclarationSyntax property => property,
            VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax { Declaration.Variables.Count: 1 } field } => field,
            _ => null,
        };

        if (member is PropertyDeclarationSyntax declared && member.Parent is TypeDeclarationSyntax type)
        {
            var parameters = type.Members.OfType<ConstructorDeclarationSyntax>().SelectMany(constructor => constructor.ParameterList.Parameters)
                .Concat(type.ParameterList?.Parameters ?? default);
            if (parameters.Any(parameter => string.Equals(parameter.Identifier.ValueText, declared.Identifier.ValueText, StringComparison.OrdinalIgnoreCase)))
            {
                return null;
            }
        }

        return member;
    }

    private static async Task<Document> AddAttributeAsync(Document document, MemberDeclarationSyntax member, CancellationToken cancellationToken)
    {
        var root = (CompilationUnitSyntax)(await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var needsUsing = !model!.LookupNamespacesAndTypes(member.SpanStart, name: AttributeName + "Attribute")
            .Any(symbol => symbol.ToDisplayString() == SerializationNamespace + "." + AttributeName + "Attribute");

        // The new attribute list takes the member's leading trivia (comments, indentation); the member keeps only
        // its indentation on the next line.
        var endOfLine = SyntaxEdits.GetEndOfLine(root);
        var leading = member.GetLeadingTrivia();
        var indentation = leading.Reverse().TakeWhile(trivia => trivia.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse();
        var attributeList = SyntaxFactory.AttributeList(
                SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Attribute(SyntaxFactory.IdentifierName(AttributeName))))
            .WithLeadingTrivia(leading)
            .WithTrailingTrivia(endOfLine);
        var updatedMember = member.WithLeadingTrivia(indentation);
        updatedMember = updatedMember.WithAttributeLists(updatedMember.AttributeLists.Insert(0, attributeList));

        var updated = root.ReplaceNode(member, updatedMember);
        if (needsUsing)
        {
            updated = SyntaxEdits.AddUsing(updated, SerializationNamespace);
        }

        return document.WithSyntaxRoot(updated);
    }
}
