using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using EventBridge.CodeAnalysis;
using EventBridge.Generators.Model;

namespace EventBridge.Generators;

public sealed partial class ConsumerGenerator
{
    /// <summary>Merges the payload types of all consumers and emit calls, names their serializers, and splits the result into files.</summary>
    internal static class Catalog
    {
        public const string TableClassName = "GeneratedJsonSerializers";
        private const string ValueSerializers = "global::EventBridge.Serialization.JsonValueSerializers.";

        public static PayloadCatalog Build(ImmutableArray<PayloadAnalysis> payloads, CancellationToken cancellationToken)
        {
            var shapes = new Dictionary<string, TypeShape>(StringComparer.Ordinal);
            foreach (var payload in payloads)
            {
                foreach (var shape in payload.Shapes)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!shapes.ContainsKey(shape.FullName))
                    {
                        shapes.Add(shape.FullName, shape);
                    }
                }
            }

            var ordered = shapes.Values.OrderBy(shape => shape.FullName, StringComparer.Ordinal).ToList();

            // Ids are unique ignoring case, because they also name files and some file systems ignore case.
            var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var ids = new List<SerializerId>();
            foreach (var shape in ordered)
            {
                if (shape.Kind == PayloadKind.Value)
                {
                    continue;
                }

                var id = CreateId(shape.FullName);
                var candidate = id;
                for (var suffix = 2; !used.Add(candidate); suffix++)
                {
                    candidate = id + "_" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                ids.Add(new SerializerId(shape.FullName, candidate));
            }

            return new PayloadCatalog(ordered.ToEquatableArray(), ids.ToEquatableArray());
        }

        public static ImmutableArray<SerializerFileModel> CreateSerializerFiles(
            PayloadCatalog catalog,
            GeneratorSettings settings,
            CancellationToken cancellationToken)
        {
            if (!settings.HasRuntime)
            {
                return ImmutableArray<SerializerFileModel>.Empty;
            }

            var builder = ImmutableArray.CreateBuilder<SerializerFileModel>();
            var ids = catalog.Ids.ToDictionary(id => id.FullName, id => id.Id, StringComparer.Ordinal);
            foreach (var shape in catalog.Shapes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (shape.Kind is not (PayloadKind.Object or PayloadKind.Enum))
                {
                    continue;
                }

                var references = shape.Members
                    .Select(member => member.TypeFullName)
                    .Distinct(StringComparer.Ordinal)
                    .Select(name => new SerializerReference(name, GetReference(catalog, name, settings)));
                builder.Add(new SerializerFileModel(shape, ids[shape.FullName], references.ToEquatableArray(), settings));
            }

            return builder.ToImmutable();
        }

        public static ConsumerFileModel CreateStaticConsumerFile(
            ImmutableArray<ConsumerModel> consumers,
            PayloadCatalog catalog,
            GeneratorSettings settings)
        {
            var statics = consumers.Where(consumer => consumer.IsStatic).OrderBy(consumer => consumer.DisplayName, StringComparer.Ordinal);
            return CreateFile(statics, catalog, settings);
        }

        public static ImmutableArray<ConsumerFileModel> CreateHostFiles(
            ImmutableArray<ConsumerModel> consumers,
            PayloadCatalog catalog,
            GeneratorSettings settings)
        {
            if (!settings.HasRuntime)
            {
                return ImmutableArray<ConsumerFileModel>.Empty;
            }

            // Hint names must be unique ignoring case, so types whose names differ only by case get a suffix.
            var usedHintNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var files = ImmutableArray.CreateBuilder<ConsumerFileModel>();
            var groups = consumers
                .Where(consumer => !consumer.IsStatic)
                .GroupBy(consumer => consumer.Host.MetadataName, StringComparer.Ordinal)
                .OrderBy(group => group.Key, StringComparer.Ordinal);
            foreach (var group in groups)
            {
                var hintName = group.Key + ".Consumers.g.cs";
                for (var suffix = 2; !usedHintNames.Add(hintName); suffix++)
                {
                    hintName = group.Key + "_" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".Consumers.g.cs";
                }

                files.Add(CreateFile(group, catalog, settings) with { HintName = hintName });
            }

            return files.ToImmutable();
        }

        /// <summary>Returns the C# expression that gets the serializer of <paramref name="fullName"/>.</summary>
        public static string GetReference(PayloadCatalog catalog, string fullName, GeneratorSettings settings)
        {
            foreach (var shape in catalog.Shapes)
            {
                if (shape.FullName == fullName && shape.Kind == PayloadKind.Value)
                {
                    return ValueSerializers + shape.ValueSerializerName;
                }
            }

            foreach (var id in catalog.Ids)
            {
                if (id.FullName == fullName)
                {
                    return "global::" + settings.GeneratedNamespace + "." + TableClassName + "." + id.Id;
                }
            }

            // Unreachable for analyzed types: every parameter and member type is in the catalog.
            return "global::EventBridge.Serialization.PayloadSerializers.Get<" + fullName + ">()";
        }

        private static ConsumerFileModel CreateFile(IEnumerable<ConsumerModel> consumers, PayloadCatalog catalog, GeneratorSettings settings)
        {
            var list = consumers.ToList();
            var references = list
                .SelectMany(consumer => consumer.Parameters)
                .Where(parameter => parameter.Source is ParameterSource.Payload or ParameterSource.Argument)
                .Select(parameter => parameter.TypeFullName)
                .Distinct(StringComparer.Ordinal)
                .Select(name => new SerializerReference(name, GetReference(catalog, name, settings)));
            return new ConsumerFileModel(list.ToEquatableArray(), references.ToEquatableArray(), settings);
        }

        /// <summary>
        /// Turns a type name into an identifier: <c>global::MyApp.Order</c> becomes <c>MyApp_Order</c> and
        /// <c>global::System.Collections.Generic.List&lt;int&gt;</c> becomes <c>List_Of_int</c>.
        /// </summary>
        private static string CreateId(string fullName)
        {
            var text = fullName.Replace("global::System.Collections.Generic.", string.Empty)
                .Replace("global::System.", string.Empty)
                .Replace("global::", string.Empty);
            var builder = new StringBuilder(text.Length);
            foreach (var c in text)
            {
                switch (c)
                {
                    case '<':
                        builder.Append("_Of_");
                        break;
                    case ',':
                        builder.Append("_And_");
                        break;
                    case '[':
                        builder.Append("_Array");
                        break;
                    case '?':
                        builder.Append("_Nullable");
                        break;
                    case '>':
                    case ']':
                    case ' ':
                        break;
                    case '@':
                        // Keeps an escaped keyword ("@event") from becoming a keyword identifier.
                        builder.Append('_');
                        break;
                    default:
                        builder.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
                        break;
                }
            }

            return builder.ToString();
        }
    }
}
