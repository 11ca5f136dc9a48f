using System.Text.Json;

namespace EventBridge.Serialization;

/// <summary>
/// Writes and reads one payload type as JSON. The EventBridge source generator derives a serializer for every
/// payload type that a consumer takes or that is passed to <c>Emit</c>, and registers it in
/// <see cref="PayloadSerializers"/> when the assembly loads.
/// </summary>
/// <typeparam name="T">The payload type.</typeparam>
public abstract class PayloadSerializer<T>
{
    /// <summary>Writes <paramref name="value"/> as one JSON value.</summary>
    public abstract void Write(Utf8JsonWriter writer, T value);

    /// <summary>
    /// Reads one JSON value. The reader is positioned on the value's first token and is left on its last token.
    /// </summary>
    /// <exception cref="PayloadException">The JSON does not fit <typeparamref name="T"/>.</exception>
    public abstract T Read(ref Utf8JsonReader reader);
}
