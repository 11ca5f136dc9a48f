using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using EventBridge.CodeAnalysis;
using EventBridge.CodeAnalysis.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace EventBridge.Analyzers;

/// <summary>
/// Collects, for one compilation, the payload type of every valid consumer and every emit call with a constant
/// signal, and at the end reports signals whose payloads have conflicting JSON shapes. Safe for concurrent use.
/// </summary>
internal sealed class SignalUsages
{
    private readonly ConcurrentBag<SignalUsage> _usages = [];
    private readonly NamingPolicy _naming;

    public SignalUsages(EventBridgeSymbols symbols)
    {
        _naming = PayloadTypeAnalyzer.GetNamingPolicy(symbols.Compilation);
    }

    /// <summary>Adds the signals of a consumer that the generator wires, with the JSON shape that it reads.</summary>
    public void AddConsumer(ConsumerCheck check)
    {
        var data = check.Parameters.Where(parameter => parameter.Kind == ConsumerParameterKind.Data).ToList();
        if (data.Count == 0 || data.Any(parameter => parameter.Analysis is not { IsSupported: true }))
        {
            return;
        }

        // The generator's binding rule: one parameter of an object type is the whole payload; otherwise every data
        // parameter is a member of the kwargs object, or else the args element at its position.
        var single = data.Count == 1 && data[0].Analysis!.IsObject;
        var typeName = single
            ? PayloadTypeAnalyzer.GetDisplayName(data[0].Symbol.Type)
            : "(" + string.Join(", ", data.Select(parameter => PayloadTypeAnalyzer.GetDisplayName(parameter.Symbol.Type) + " " + parameter.Symbol.Name)) + ")";
        var shape = single
            ? JsonShape.FromAnalysis(data[0].Analysis!)
            : JsonShape.FromParameters(
                typeName,
                data.Select(parameter => (
                    JsonNaming.Convert(parameter.Symbol.Name, _naming),
                    parameter.Analysis!,
                    !parameter.Symbol.HasExplicitDefaultValue)));

        // A payload that is not an object arrives as the only element of args, which the first data parameter
        // takes when no other parameter is required.
        var onlyArg = !single && data.Skip(1).All(parameter => parameter.Symbol.HasExplicitDefaultValue)
            ? JsonShape.FromAnalysis(data[0].Analysis!)
            : null;

        foreach (var signal in check.Signals)
        {
            _usages.Add(new SignalUsage(signal.Name, signal.Namespace, IsConsumer: true, typeName, shape, onlyArg, signal.Location));
        }
    }

    /// <summary>Adds an emit call whose signal is a constant and whose payload type can be serialized.</summary>
    public void AddEmit(string signal, string? signalNamespace, ITypeSymbol payloadType, PayloadAnalysis analysis, Location location)
    {
        var typeName = PayloadTypeAnalyzer.GetDisplayName(payloadType);
        var shape = JsonShape.FromAnalysis(analysis);
        _usages.Add(new SignalUsage(
            signal,
            string.IsNullOrEmpty(signalNamespace) ? null : signalNamespace,
            IsConsumer: false,
            typeName,
            shape,
            analysis.IsObject ? null : shape,
            location));
    }

    /// <summary>
    /// Reports each usage whose payload conflicts with an earlier usage of the same signal and namespace, in source
    /// order, so that every conflict is reported once, where it was introduced last.
    /// </summary>
    public void ReportConflicts(CompilationAnalysisContext context)
    {
        var groups = _usages
            .GroupBy(usage => (usage.Signal, usage.Namespace))
            .OrderBy(group => group.Key.Signal, System.StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var ordered = group
                .OrderBy(usage => usage.Location?.SourceTree?.FilePath, System.StringComparer.Ordinal)
                .ThenBy(usage => usage.Location?.SourceSpan.Start ?? 0)
                .ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                context.CancellationToken.ThrowIfCancellationRequested();
                ReportFirstConflict(context, ordered[i], ordered.Take(i));
            }
        }
    }

    private static void ReportFirstConflict(CompilationAnalysisContext context, SignalUsage usage, IEnumerable<SignalUsage> earlier)
    {
        foreach (var other in earlier)
        {
            if (other.TypeName == usage.TypeName)
            {
                continue;
            }

            // The bridge sends a payload that is not an object as the only element of args, so an emit of one is
            // compared with what each side reads from there.
            var positional = (!usage.IsConsumer && usage.OnlyArg is not null) || (!other.IsConsumer && other.OnlyArg is not null);
            var conflict = positional
                ? JsonShape.FindConflict(usage.OnlyArg ?? usage.Shape, usage.IsConsumer, other.OnlyArg ?? other.Shape, other.IsConsumer)
                : JsonShape.FindConflict(usage.Shape, usage.IsConsumer, other.Shape, other.IsConsumer);
            if (conflict is null)
            {
                continue;
            }

            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.ConflictingPayloadShapes,
                usage.Location,
                other.Location is null ? [] : [other.Location],
                usage.Signal,
                usage.IsConsumer ? "consumed" : "emitted",
                usage.TypeName,
                other.IsConsumer ? "consumed" : "emitted",
                other.TypeName,
                DescribeLocation(other.Location),
                conflict));
            return;
        }
    }

    private static string DescribeLocation(Location? location)
    {
        if (location is null || !location.IsInSource)
        {
            return "another place";
        }

        var span = location.GetLineSpan();
        return Path.GetFileName(span.Path) + ":" + (span.StartLinePosition.Line + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>One consumer or emit call of a signal.</summary>
    /// <param name="Shape">The JSON that the usage writes or reads as the payload or the kwargs object.</param>
    /// <param name="OnlyArg">
    /// For an emit call, the payload when it is not an object, because it then travels as the only element of args.
    /// For a consumer that binds by arguments, what its first data parameter reads from there.
    /// </param>
    private sealed record SignalUsage(
        string Signal,
        string? Namespace,
        bool IsConsumer,
        string TypeName,
        JsonShape Shape,
        JsonShape? OnlyArg,
        Location? Location);
}
