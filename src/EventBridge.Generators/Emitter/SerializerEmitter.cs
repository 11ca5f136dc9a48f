using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EventBridge.CodeAnalysis;
using EventBridge.Generators.Model;
using static EventBridge.Generators.Emitter.EmitterConstants;

namespace EventBridge.Generators.Emitter;

/// <summary>Writes the serializer class of one object or enum payload type.</summary>
internal static class SerializerEmitter
{
    public static string Emit(SerializerFileModel file)
    {
        var writer = new SourceWriter();
        WriteHeader(writer);
        writer.WriteLine("namespace " + file.Settings.GeneratedNamespace);
        using (writer.OpenBlock())
        {
            writer.WriteLine("/// <summary>Writes and reads <c>" + EscapeXml(file.Shape.DisplayName) + "</c> as JSON.</summary>");
            writer.WriteLine(GeneratedCodeAttribute);
            using (writer.OpenBlock($"internal sealed class {file.Id}JsonSerializer : {PayloadSerializerOf}<{file.Shape.FullName}>"))
            {
                writer.WriteLine($"public static readonly {file.Id}JsonSerializer Instance = new {file.Id}JsonSerializer();");
                writer.WriteLine();
                if (file.Shape.Kind == PayloadKind.Enum)
                {
                    WriteEnum(writer, file.Shape);
                }
                else
                {
                    WriteObject(writer, file);
                }
            }
        }

        return writer.ToString();
    }

    private static string EscapeXml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static void WriteObject(SourceWriter writer, SerializerFileModel file)
    {
        var shape = file.Shape;
        var members = shape.Members;
        var references = file.References.ToDictionary(reference => reference.FullName, reference => reference.Expression);
        var names = members.Select(member => member.JsonName).ToList();

        writer.WriteLine("private static readonly string[] s_names = new string[]");
        writer.WriteLine("{");
        using (writer.Indent("};"))
        {
            foreach (var name in names)
            {
                writer.WriteLine(Literal(name) + ",");
            }
        }

        writer.WriteLine();
        writer.WriteLine("private static readonly byte[][] s_utf8Names = global::System.Array.ConvertAll(s_names, global::System.Text.Encoding.UTF8.GetBytes);");
        writer.WriteLine();
        writer.WriteLine($"private static readonly {EncodedText}[] s_encodedNames = global::System.Array.ConvertAll(s_names, name => {EncodedText}.Encode(name));");
        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc/>");
        writer.WriteLine("public override bool WritesObject => true;");
        writer.WriteLine();

        WriteObjectWrite(writer, shape, references);
        writer.WriteLine();
        WriteObjectRead(writer, shape, references);
    }

    private static void WriteObjectWrite(SourceWriter writer, TypeShape shape, Dictionary<string, string> references)
    {
        writer.WriteLine("/// <inheritdoc/>");
        using (writer.OpenBlock($"public override void Write({Writer} writer, {shape.FullName} value)"))
        {
            writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(writer);");
            if (!shape.IsValueType)
            {
                using (writer.OpenBlock("if (value is null)"))
                {
                    writer.WriteLine("writer.WriteNullValue();");
                    writer.WriteLine("return;");
                }

                writer.WriteLine();
            }

            writer.WriteLine("var member = -1;");
            using (writer.OpenBlock("try"))
            {
                writer.WriteLine("writer.WriteStartObject();");
                for (var i = 0; i < shape.Members.Count; i++)
                {
                    var member = shape.Members[i];
                    var condition = member.IgnoreCondition switch
                    {
                        IgnoreCondition.WhenWritingNull when !member.IsValueType || member.AllowsNull => $"value.{member.Name} is not null",
                        IgnoreCondition.WhenWritingDefault =>
                            $"!global::System.Collections.Generic.EqualityComparer<{member.TypeFullName}>.Default.Equals(value.{member.Name}!, default!)",
                        _ => null,
                    };
                    writer.WriteLine();
                    if (condition is not null)
                    {
                        writer.WriteLine($"if ({condition})");
                        writer.WriteLine("{");
                        writer.Indentation++;
                    }

                    writer.WriteLine($"member = {Number(i)};");
                    writer.WriteLine($"writer.WritePropertyName(s_encodedNames[{Number(i)}]);");
                    writer.WriteLine($"{references[member.TypeFullName]}.Write(writer, value.{member.Name}!);");
                    if (condition is not null)
                    {
                        writer.Indentation--;
                        writer.WriteLine("}");
                    }
                }

                writer.WriteLine();
                writer.WriteLine("member = -1;");
                writer.WriteLine("writer.WriteEndObject();");
            }

            using (writer.OpenBlock($"catch ({PayloadException} exception) when (member >= 0)"))
            {
                writer.WriteLine($"throw {PayloadJson}.AtMember(exception, s_names[member]);");
            }
        }
    }

    private static void WriteObjectRead(SourceWriter writer, TypeShape shape, Dictionary<string, string> references)
    {
        var members = shape.Members;
        writer.WriteLine("/// <inheritdoc/>");
        using (writer.OpenBlock($"public override {shape.FullName} Read(ref {Reader} reader)"))
        {
            using (writer.OpenBlock($"if (reader.TokenType == {TokenType}.Null)"))
            {
                writer.WriteLine(shape.IsValueType
                    ? $"throw {PayloadJson}.NullForValueType({Literal(shape.DisplayName)});"
                    : "return null!;");
            }

            writer.WriteLine();
            writer.WriteLine($"{PayloadJson}.ExpectStartObject(ref reader);");
            for (var i = 0; i < members.Count; i++)
            {
                if (members[i].Assignment != MemberAssignment.None)
                {
                    writer.WriteLine($"{members[i].TypeFullName} value{Number(i)} = default!;");
                    if (NeedsPresenceFlag(members[i]))
                    {
                        writer.WriteLine($"var has{Number(i)} = false;");
                    }
                }
            }

            writer.WriteLine("var member = -1;");
            writer.WriteLine("var expected = 0;");
            using (writer.OpenBlock("try"))
            {
                using (writer.OpenBlock("while (true)"))
                {
                    writer.WriteLine($"{PayloadJson}.ReadNext(ref reader);");
                    using (writer.OpenBlock($"if (reader.TokenType == {TokenType}.EndObject)"))
                    {
                        writer.WriteLine("break;");
                    }

                    writer.WriteLine();
                    writer.WriteLine($"member = {PayloadJson}.MatchMember(ref reader, s_utf8Names, s_names, ref expected);");
                    writer.WriteLine($"{PayloadJson}.ReadNext(ref reader);");
                    using (writer.OpenBlock("switch (member)"))
                    {
                        for (var i = 0; i < members.Count; i++)
                        {
                            var member = members[i];
                            if (member.Assignment == MemberAssignment.None)
                            {
                                continue;
                            }

                            writer.WriteLine($"case {Number(i)}:");
                            using (writer.Indent(null))
                            {
                                writer.WriteLine($"value{Number(i)} = {references[member.TypeFullName]}.Read(ref reader);");
                                if (!member.AllowsNull && !member.IsValueType)
                                {
                                    using (writer.OpenBlock($"if (value{Number(i)} is null)"))
                                    {
                                        writer.WriteLine($"throw {PayloadJson}.NullNotAllowed();");
                                    }
                                }

                                if (NeedsPresenceFlag(member))
                                {
                                    writer.WriteLine($"has{Number(i)} = true;");
                                }

                                writer.WriteLine("break;");
                            }
                        }

                        writer.WriteLine("default:");
                        using (writer.Indent(null))
                        {
                            writer.WriteLine($"{PayloadJson}.Skip(ref reader);");
                            writer.WriteLine("break;");
                        }
                    }

                    writer.WriteLine();
                    writer.WriteLine("member = -1;");
                }
            }

            using (writer.OpenBlock($"catch ({PayloadException} exception) when (member >= 0)"))
            {
                writer.WriteLine($"throw {PayloadJson}.AtMember(exception, s_names[member]);");
            }

            for (var i = 0; i < members.Count; i++)
            {
                if (members[i].IsRequired && members[i].Assignment != MemberAssignment.None)
                {
                    writer.WriteLine();
                    using (writer.OpenBlock($"if (!has{Number(i)})"))
                    {
                        writer.WriteLine($"throw {PayloadJson}.MissingMember(s_names[{Number(i)}]);");
                    }
                }
            }

            writer.WriteLine();

            // Validation in the payload's constructor or setters rejects values the JSON had, so it is bad input too.
            using (writer.OpenBlock("try"))
            {
                WriteConstruction(writer, shape);
            }

            using (writer.OpenBlock(
                "catch (global::System.Exception exception) when (exception is global::System.ArgumentException or global::System.FormatException or global::System.InvalidOperationException)"))
            {
                writer.WriteLine($"throw {PayloadJson}.ConstructorFailed({Literal(shape.DisplayName)}, exception);");
            }
        }
    }

    /// <summary>Whether reading must know if the JSON had the member, rather than only its value.</summary>
    private static bool NeedsPresenceFlag(MemberShape member) => member.Assignment switch
    {
        MemberAssignment.Constructor => member.IsRequired || member.ConstructorDefault is not null,
        MemberAssignment.Init or MemberAssignment.Setter => true,
        _ => false,
    };

    private static void WriteConstruction(SourceWriter writer, TypeShape shape)
    {
        var members = shape.Members;
        var arguments = new List<string>();
        var constructorMembers = Enumerable.Range(0, members.Count)
            .Where(i => members[i].Assignment == MemberAssignment.Constructor)
            .OrderBy(i => members[i].ConstructorPosition);
        foreach (var i in constructorMembers)
        {
            var member = members[i];
            arguments.Add(member.ConstructorDefault is null
                ? $"value{Number(i)}!"
                : $"has{Number(i)} ? value{Number(i)}! : {member.ConstructorDefault}");
        }

        var creation = $"new {shape.FullName}({string.Join(", ", arguments)})";

        // C# requires every required member in the object initializer, also one that a constructor parameter sets.
        var required = Enumerable.Range(0, members.Count)
            .Where(i => members[i].IsRequiredKeyword && members[i].Assignment != MemberAssignment.None)
            .Select(i => $"{members[i].Name} = value{Number(i)}!")
            .ToList();
        var optionalInit = Enumerable.Range(0, members.Count)
            .Where(i => !members[i].IsRequiredKeyword && members[i].Assignment == MemberAssignment.Init)
            .ToList();
        var setters = Enumerable.Range(0, members.Count)
            .Where(i => !members[i].IsRequiredKeyword && members[i].Assignment == MemberAssignment.Setter)
            .ToList();

        if (optionalInit.Count == 0)
        {
            writer.WriteLine($"var result = {WithInitializer(creation, required)};");
        }
        else
        {
            // An init-only member can only be set while constructing, and leaving it out of the initializer keeps
            // the value that its declaration gives it. Members missing from the JSON must keep that value, so a
            // first instance without them provides it.
            writer.WriteLine($"{shape.FullName} result;");
            var allPresent = string.Join(" && ", optionalInit.Select(i => $"has{Number(i)}"));
            using (writer.OpenBlock($"if ({allPresent})"))
            {
                var all = required.Concat(optionalInit.Select(i => $"{members[i].Name} = value{Number(i)}!")).ToList();
                writer.WriteLine($"result = {WithInitializer(creation, all)};");
            }

            using (writer.OpenBlock("else"))
            {
                writer.WriteLine($"var defaults = {WithInitializer(creation, required)};");
                var all = required
                    .Concat(optionalInit.Select(i => $"{members[i].Name} = has{Number(i)} ? value{Number(i)}! : defaults.{members[i].Name}"))
                    .ToList();
                writer.WriteLine($"result = {WithInitializer(creation, all)};");
            }
        }

        foreach (var i in setters)
        {
            writer.WriteLine();
            using (writer.OpenBlock($"if (has{Number(i)})"))
            {
                writer.WriteLine($"result.{members[i].Name} = value{Number(i)}!;");
            }
        }

        writer.WriteLine();
        writer.WriteLine("return result;");
    }

    private static string WithInitializer(string creation, List<string> assignments) =>
        assignments.Count == 0 ? creation : creation + " { " + string.Join(", ", assignments) + " }";

    private static void WriteEnum(SourceWriter writer, TypeShape shape)
    {
        var sorted = shape.EnumMembers.OrderBy(member => member.Bits).ToList();
        var isSigned = shape.EnumUnderlyingType is "sbyte" or "short" or "int" or "long";
        var toBits = isSigned ? "unchecked((ulong)(long)value)" : "(ulong)value";

        writer.WriteLine("private static readonly ulong[] s_values = new ulong[] { " +
            string.Join(", ", sorted.Select(member => member.Bits.ToString(CultureInfo.InvariantCulture) + "UL")) + " };");
        writer.WriteLine();
        writer.WriteLine("private static readonly string[] s_names = new string[] { " +
            string.Join(", ", sorted.Select(member => Literal(member.JsonName))) + " };");
        writer.WriteLine();

        writer.WriteLine("/// <inheritdoc/>");
        using (writer.OpenBlock($"public override void Write({Writer} writer, {shape.FullName} value)"))
        {
            writer.WriteLine("global::System.ArgumentNullException.ThrowIfNull(writer);");
            using (writer.OpenBlock("switch (value)"))
            {
                var written = new HashSet<ulong>();
                foreach (var member in shape.EnumMembers)
                {
                    // Aliases share a value, and a switch takes each value once: the first declared name is written.
                    if (!written.Add(member.Bits))
                    {
                        continue;
                    }

                    writer.WriteLine($"case {shape.FullName}.{member.Name}:");
                    using (writer.Indent(null))
                    {
                        writer.WriteLine($"writer.WriteStringValue({Literal(member.JsonName)});");
                        writer.WriteLine("return;");
                    }
                }
            }

            writer.WriteLine();
            if (shape.IsFlagsEnum)
            {
                writer.WriteLine($"var text = global::EventBridge.Serialization.JsonEnumFormat.FormatFlags({toBits}, s_values, s_names);");
                using (writer.OpenBlock("if (text is not null)"))
                {
                    writer.WriteLine("writer.WriteStringValue(text);");
                    writer.WriteLine("return;");
                }

                writer.WriteLine();
            }

            writer.WriteLine("// A value without a name is written as its number, which reading accepts too.");
            writer.WriteLine($"writer.WriteNumberValue(({shape.EnumUnderlyingType})value);");
        }

        writer.WriteLine();
        writer.WriteLine("/// <inheritdoc/>");
        using (writer.OpenBlock($"public override {shape.FullName} Read(ref {Reader} reader)"))
        {
            using (writer.OpenBlock($"if (reader.TokenType == {TokenType}.String)"))
            {
                writer.WriteLine($"var text = {PayloadJson}.GetString(ref reader);");
                var flags = shape.IsFlagsEnum ? "true" : "false";
                using (writer.OpenBlock($"if (global::EventBridge.Serialization.JsonEnumFormat.TryParse(text, s_values, s_names, {flags}, out var bits))"))
                {
                    writer.WriteLine($"return ({shape.FullName})unchecked(({shape.EnumUnderlyingType})bits);");
                }

                writer.WriteLine();
                writer.WriteLine($"throw {PayloadJson}.InvalidFormat(text, {Literal(shape.DisplayName)}, \"one of its names or a number\");");
            }

            writer.WriteLine();
            using (writer.OpenBlock($"if (reader.TokenType != {TokenType}.Number)"))
            {
                writer.WriteLine($"throw {PayloadJson}.UnexpectedToken(reader.TokenType, \"a string or a number\");");
            }

            writer.WriteLine();
            var method = shape.EnumUnderlyingType switch
            {
                "sbyte" => "TryGetSByte",
                "byte" => "TryGetByte",
                "short" => "TryGetInt16",
                "ushort" => "TryGetUInt16",
                "uint" => "TryGetUInt32",
                "long" => "TryGetInt64",
                "ulong" => "TryGetUInt64",
                _ => "TryGetInt32",
            };
            writer.WriteLine($"return reader.{method}(out var number)");
            writer.WriteLine($"    ? ({shape.FullName})number");
            writer.WriteLine($"    : throw {PayloadJson}.OutOfRange(ref reader, {Literal(shape.DisplayName)});");
        }
    }
}
