using System.Collections.Generic;
using System.Linq;
using EventBridge.CodeAnalysis;
using EventBridge.Generators.Model;
using static EventBridge.Generators.Emitter.EmitterConstants;

namespace EventBridge.Generators.Emitter;

/// <summary>Writes consumer registrations: the <c>AddGeneratedConsumers</c> extension and <c>IConsumerHost</c> implementations.</summary>
internal static class ConsumerEmitter
{
    /// <summary>
    /// Returns the name of the class with <c>AddGeneratedConsumers</c>. It contains the assembly name, so that an
    /// assembly that sees another one's internals can still name its own class (the shared name would be CS0436).
    /// </summary>
    public static string GetExtensionsClassName(GeneratorSettings settings) => "GeneratedConsumers_" + settings.AssemblyIdentifier;

    public static string EmitStatic(ConsumerFileModel file)
    {
        var writer = new SourceWriter();
        WriteHeader(writer);
        writer.WriteLine("namespace EventBridge");
        using (writer.OpenBlock())
        {
            writer.WriteLine("/// <summary>Registers the static <c>[Consumer]</c> methods of this assembly.</summary>");
            writer.WriteLine(GeneratedCodeAttribute);
            using (writer.OpenBlock($"internal static class {GetExtensionsClassName(file.Settings)}"))
            {
                writer.WriteLine("/// <summary>");
                writer.WriteLine("/// Registers every static <c>[Consumer]</c> method of this assembly on <paramref name=\"bus\"/>.");
                writer.WriteLine("/// </summary>");
                writer.WriteLine("/// <param name=\"bus\">The bus to register the consumers on.</param>");
                writer.WriteLine("/// <returns>A registration whose disposal removes the consumers again.</returns>");
                using (writer.OpenBlock($"public static global::System.IDisposable AddGeneratedConsumers(this {EventBus} bus)"))
                {
                    writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(bus);");
                    if (file.Consumers.IsEmpty)
                    {
                        writer.WriteLine($"return bus.AddConsumers(global::System.Array.Empty<{ConsumerDescriptor}>());");
                    }
                    else
                    {
                        writer.WriteLine($"return bus.AddConsumers(new {ConsumerDescriptor}[]");
                        writer.WriteLine("{");
                        using (writer.Indent("});"))
                        {
                            WriteDescriptors(writer, file, receiver: null);
                        }
                    }
                }
            }
        }

        return writer.ToString();
    }

    public static string EmitHost(ConsumerFileModel file)
    {
        var host = file.Consumers[0].Host;
        var writer = new SourceWriter();
        WriteHeader(writer);
        var blocks = new List<SourceWriter.Block>();
        if (host.Namespace is not null)
        {
            writer.WriteLine("namespace " + host.Namespace);
            blocks.Add(writer.OpenBlock());
        }

        for (var i = 0; i < host.Declarations.Count; i++)
        {
            var declaration = host.Declarations[i];
            var header = $"partial {declaration.Keyword} {declaration.NameWithTypeParameters}";
            if (i == host.Declarations.Count - 1)
            {
                header += " : global::EventBridge.IConsumerHost";
            }

            blocks.Add(writer.OpenBlock(header));
        }

        writer.WriteLine("/// <summary>Returns one descriptor for each <c>[Consumer]</c> method of this instance.</summary>");
        writer.WriteLine(GeneratedCodeAttribute);
        using (writer.OpenBlock(
            $"global::System.Collections.Generic.IReadOnlyList<{ConsumerDescriptor}> global::EventBridge.IConsumerHost.GetConsumers()"))
        {
            var receiver = "this";
            if (host.IsValueType)
            {
                // A lambda cannot capture 'this' of a struct, so the consumers run on a copy made here.
                writer.WriteLine("var self = this;");
                receiver = "self";
            }

            writer.WriteLine($"return new {ConsumerDescriptor}[]");
            writer.WriteLine("{");
            using (writer.Indent("};"))
            {
                WriteDescriptors(writer, file, receiver);
            }
        }

        for (var i = blocks.Count - 1; i >= 0; i--)
        {
            blocks[i].Dispose();
        }

        return writer.ToString();
    }

    private static void WriteDescriptors(SourceWriter writer, ConsumerFileModel file, string? receiver)
    {
        var references = file.References.ToDictionary(reference => reference.FullName, reference => reference.Expression);
        foreach (var consumer in file.Consumers)
        {
            var payloadType = GetDirectPayloadType(consumer);
            var lambdaModifier = receiver is null ? "static " : string.Empty;
            foreach (var signal in consumer.Signals)
            {
                writer.WriteLine(payloadType is null
                    ? $"new {ConsumerDescriptor}("
                    : $"{ConsumerDescriptor}.Create<{payloadType}>(");
                using (writer.Indent(null))
                {
                    writer.WriteLine(Literal(signal.Signal) + ",");
                    writer.WriteLine(Literal(signal.Namespace) + ",");
                    writer.WriteLine(Literal(consumer.DisplayName) + ",");
                    writer.WriteLine(lambdaModifier + "context =>");
                    writer.WriteLine("{");
                    using (writer.Indent(payloadType is null ? "})," : "},"))
                    {
                        WriteHandlerBody(writer, consumer, references, file.Settings, receiver);
                    }

                    if (payloadType is not null)
                    {
                        var target = $"{receiver ?? consumer.HostFullName}.{consumer.MethodName}";
                        writer.WriteLine($"{lambdaModifier}({payloadType} payload) => {target}(payload)),");
                    }
                }
            }
        }
    }

    /// <summary>
    /// Returns the payload type of a consumer that an emitted payload can be passed to directly, without an
    /// EventContext: one that takes only a payload object and returns void. Returns null for any other consumer.
    /// </summary>
    private static string? GetDirectPayloadType(ConsumerModel consumer) =>
        consumer.ReturnKind == ConsumerReturnKind.Void
            && consumer.Parameters.Count == 1
            && consumer.Parameters[0].Source == ParameterSource.Payload
            ? consumer.Parameters[0].TypeFullName
            : null;

    private static void WriteHandlerBody(
        SourceWriter writer,
        ConsumerModel consumer,
        Dictionary<string, string> references,
        GeneratorSettings settings,
        string? receiver)
    {
        var arguments = new List<string>();
        var isOnlyArgument = consumer.Parameters.Count(p => p.Source == ParameterSource.Argument) == 1 ? "true" : "false";
        for (var i = 0; i < consumer.Parameters.Count; i++)
        {
            var parameter = consumer.Parameters[i];
            var local = "arg" + Number(i);
            switch (parameter.Source)
            {
                case ParameterSource.Context:
                    arguments.Add("context");
                    continue;
                case ParameterSource.CancellationToken:
                    arguments.Add("context.CancellationToken");
                    continue;
                case ParameterSource.Payload:
                    writer.WriteLine(
                        $"var {local} = {ConsumerBinding}.GetPayload(context, {Literal(parameter.Name)}, " +
                        $"{references[parameter.TypeFullName]}, {(parameter.AllowsNull ? "true" : "false")});");
                    break;
                default:
                    var jsonName = JsonNaming.Convert(parameter.Name, settings.Naming);
                    var common = $"context, {Literal(parameter.Name)}, {Literal(jsonName)}, {Number(parameter.Position)}, " +
                        $"{references[parameter.TypeFullName]}, {(parameter.AllowsNull ? "true" : "false")}, {isOnlyArgument}";
                    writer.WriteLine(parameter.DefaultValue is null
                        ? $"var {local} = {ConsumerBinding}.GetRequiredArgument<{parameter.TypeFullName}>({common});"
                        : $"var {local} = {ConsumerBinding}.GetOptionalArgument<{parameter.TypeFullName}>({common}, {parameter.DefaultValue});");
                    break;
            }

            arguments.Add(local + "!");
        }

        var call = $"{receiver ?? consumer.HostFullName}.{consumer.MethodName}({string.Join(", ", arguments)})";
        switch (consumer.ReturnKind)
        {
            case ConsumerReturnKind.Task:
                writer.WriteLine($"return new {ValueTask}({call});");
                break;
            case ConsumerReturnKind.ValueTask:
                writer.WriteLine($"return {call};");
                break;
            default:
                writer.WriteLine(call + ";");
                writer.WriteLine("return default;");
                break;
        }
    }
}
