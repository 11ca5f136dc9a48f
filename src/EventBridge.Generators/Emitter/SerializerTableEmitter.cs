using System;
using System.Collections.Generic;
using System.Linq;
using EventBridge.CodeAnalysis;
using EventBridge.Generators.Model;
using static EventBridge.Generators.Emitter.EmitterConstants;

namespace EventBridge.Generators.Emitter;

/// <summary>Writes the class that contains one instance of every serializer and registers them when the module loads.</summary>
internal static class SerializerTableEmitter
{
    public static string Emit(PayloadCatalog catalog, GeneratorSettings settings)
    {
        var shapes = catalog.Shapes.ToDictionary(shape => shape.FullName, StringComparer.Ordinal);
        var ids = catalog.Ids.ToDictionary(id => id.FullName, id => id.Id, StringComparer.Ordinal);

        // Static fields initialize in text order, so a collection's serializer comes after its element's.
        var ordered = catalog.Shapes
            .Where(shape => shape.Kind != PayloadKind.Value)
            .OrderBy(shape => Depth(shape, shapes))
            .ThenBy(shape => shape.FullName, StringComparer.Ordinal)
            .ToList();

        var writer = new SourceWriter();
        WriteHeader(writer);
        writer.WriteLine("namespace " + settings.GeneratedNamespace);
        using (writer.OpenBlock())
        {
            writer.WriteLine("/// <summary>The JSON serializers of this assembly's payload types.</summary>");
            writer.WriteLine(GeneratedCodeAttribute);
            using (writer.OpenBlock($"internal static class {ConsumerGenerator.Catalog.TableClassName}"))
            {
                foreach (var shape in ordered)
                {
                    writer.WriteLine($"public static readonly {PayloadSerializerOf}<{shape.FullName}> {ids[shape.FullName]} =");
                    writer.WriteLine("    " + CreateExpression(shape, ids[shape.FullName], catalog, settings) + ";");
                    writer.WriteLine();
                }

                writer.WriteLine("/// <summary>");
                writer.WriteLine("/// Registers the serializers in <see cref=\"global::EventBridge.Serialization.PayloadSerializers\"/> when the");
                writer.WriteLine("/// assembly loads. A type declared in another assembly keeps a serializer that is already registered, so");
                writer.WriteLine("/// the declaring assembly's serializer wins.");
                writer.WriteLine("/// </summary>");
                writer.WriteLine("[global::System.Runtime.CompilerServices.ModuleInitializerAttribute]");
                writer.WriteLine("[global::System.Diagnostics.CodeAnalysis.SuppressMessage(\"Usage\", \"CA2255\", Justification = \"Generated serializers must be registered before any payload is sent.\")]");
                using (writer.OpenBlock("internal static void Register()"))
                {
                    foreach (var shape in catalog.Shapes)
                    {
                        var reference = ConsumerGenerator.Catalog.GetReference(catalog, shape.FullName, settings);
                        if (shape.IsDeclaredInSource)
                        {
                            writer.WriteLine($"{PayloadSerializers}.Register({reference});");
                        }
                        else
                        {
                            using (writer.OpenBlock($"if (!{PayloadSerializers}.TryGet<{shape.FullName}>(out _))"))
                            {
                                writer.WriteLine($"{PayloadSerializers}.Register({reference});");
                            }
                        }
                    }
                }
            }
        }

        return writer.ToString();
    }

    private static string CreateExpression(TypeShape shape, string id, PayloadCatalog catalog, GeneratorSettings settings)
    {
        var element = shape.ElementFullName is null
            ? string.Empty
            : ConsumerGenerator.Catalog.GetReference(catalog, shape.ElementFullName, settings);
        switch (shape.Kind)
        {
            case PayloadKind.Nullable:
                return $"new global::EventBridge.Serialization.JsonNullableSerializer<{shape.ElementFullName}>({element})";
            case PayloadKind.Collection:
                var create = shape.CollectionKind switch
                {
                    CollectionKind.Array => "static items => items.ToArray()",
                    CollectionKind.HashSet => $"static items => new global::System.Collections.Generic.HashSet<{shape.ElementFullName}>(items)",
                    _ => "static items => items",
                };
                return $"new global::EventBridge.Serialization.JsonCollectionSerializer<{shape.FullName}, {shape.ElementFullName}>({element}, {create})";
            case PayloadKind.Dictionary:
                return $"new global::EventBridge.Serialization.JsonDictionarySerializer<{shape.FullName}, {shape.ElementFullName}>({element}, static entries => entries)";
            default:
                return $"{id}JsonSerializer.Instance";
        }
    }

    private static int Depth(TypeShape shape, Dictionary<string, TypeShape> shapes) =>
        shape.Kind is PayloadKind.Nullable or PayloadKind.Collection or PayloadKind.Dictionary
        && shape.ElementFullName is not null
        && shapes.TryGetValue(shape.ElementFullName, out var element)
            ? 1 + Depth(element, shapes)
            : 0;
}
