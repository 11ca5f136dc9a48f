using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace EventBridge.Serialization;

public static partial class JsonValueSerializers
{
    private sealed class BooleanSerializer : PayloadSerializer<bool>
    {
        public override void Write(Utf8JsonWriter writer, bool value) => writer.WriteBooleanValue(value);

        public override bool Read(ref Utf8JsonReader reader) => reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw PayloadJson.UnexpectedToken(reader.TokenType, "true or false"),
        };
    }

    private sealed class ByteSerializer : PayloadSerializer<byte>
    {
        public override void Write(Utf8JsonWriter writer, byte value) => writer.WriteNumberValue(value);

        public override byte Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetByte(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "Byte");
        }
    }

    private sealed class SByteSerializer : PayloadSerializer<sbyte>
    {
        public override void Write(Utf8JsonWriter writer, sbyte value) => writer.WriteNumberValue(value);

        public override sbyte Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetSByte(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "SByte");
        }
    }

    private sealed class Int16Serializer : PayloadSerializer<short>
    {
        public override void Write(Utf8JsonWriter writer, short value) => writer.WriteNumberValue(value);

        public override short Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetInt16(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "Int16");
        }
    }

    private sealed class UInt16Serializer : PayloadSerializer<ushort>
    {
        public override void Write(Utf8JsonWriter writer, ushort value) => writer.WriteNumberValue(value);

        public override ushort Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetUInt16(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "UInt16");
        }
    }

    private sealed class Int32Serializer : PayloadSerializer<int>
    {
        public override void Write(Utf8JsonWriter writer, int value) => writer.WriteNumberValue(value);

        public override int Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetInt32(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "Int32");
        }
    }

    private sealed class UInt32Serializer : PayloadSerializer<uint>
    {
        public override void Write(Utf8JsonWriter writer, uint value) => writer.WriteNumberValue(value);

        public override uint Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetUInt32(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "UInt32");
        }
    }

    private sealed class Int64Serializer : PayloadSerializer<long>
    {
        public override void Write(Utf8JsonWriter writer, long value) => writer.WriteNumberValue(value);

        public override long Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetInt64(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "Int64");
        }
    }

    private sealed class UInt64Serializer : PayloadSerializer<ulong>
    {
        public override void Write(Utf8JsonWriter writer, ulong value) => writer.WriteNumberValue(value);

        public override ulong Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetUInt64(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "UInt64");
        }
    }

    private sealed class Int128Serializer : PayloadSerializer<Int128>
    {
        public override void Write(Utf8JsonWriter writer, Int128 value)
        {
            Span<byte> buffer = stackalloc byte[48];
            value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
            writer.WriteRawValue(buffer[..written], skipInputValidation: true);
        }

        public override Int128 Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return System.Int128.TryParse(GetNumberBytes(ref reader), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw PayloadJson.OutOfRange(ref reader, "Int128");
        }
    }

    private sealed class UInt128Serializer : PayloadSerializer<UInt128>
    {
        public override void Write(Utf8JsonWriter writer, UInt128 value)
        {
            Span<byte> buffer = stackalloc byte[48];
            value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
            writer.WriteRawValue(buffer[..written], skipInputValidation: true);
        }

        public override UInt128 Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return System.UInt128.TryParse(GetNumberBytes(ref reader), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw PayloadJson.OutOfRange(ref reader, "UInt128");
        }
    }

    private sealed class HalfSerializer : PayloadSerializer<Half>
    {
        public override void Write(Utf8JsonWriter writer, Half value)
        {
            ThrowIfNotFinite((double)value);
            Span<byte> buffer = stackalloc byte[32];
            value.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
            writer.WriteRawValue(buffer[..written], skipInputValidation: true);
        }

        public override Half Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return System.Half.TryParse(GetNumberBytes(ref reader), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && System.Half.IsFinite(value)
                ? value
                : throw PayloadJson.OutOfRange(ref reader, "Half");
        }
    }

    private sealed class SingleSerializer : PayloadSerializer<float>
    {
        public override void Write(Utf8JsonWriter writer, float value)
        {
            ThrowIfNotFinite(value);
            writer.WriteNumberValue(value);
        }

        public override float Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetSingle(out var value) && float.IsFinite(value)
                ? value
                : throw PayloadJson.OutOfRange(ref reader, "Single");
        }
    }

    private sealed class DoubleSerializer : PayloadSerializer<double>
    {
        public override void Write(Utf8JsonWriter writer, double value)
        {
            ThrowIfNotFinite(value);
            writer.WriteNumberValue(value);
        }

        public override double Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetDouble(out var value) && double.IsFinite(value)
                ? value
                : throw PayloadJson.OutOfRange(ref reader, "Double");
        }
    }

    private sealed class DecimalSerializer : PayloadSerializer<decimal>
    {
        public override void Write(Utf8JsonWriter writer, decimal value) => writer.WriteNumberValue(value);

        public override decimal Read(ref Utf8JsonReader reader)
        {
            ExpectNumber(ref reader);
            return reader.TryGetDecimal(out var value) ? value : throw PayloadJson.OutOfRange(ref reader, "Decimal");
        }
    }

    private static ReadOnlySpan<byte> GetNumberBytes(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
}
