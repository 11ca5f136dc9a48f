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
    /// <summary>
    /// Whether <see cref="Write"/> writes a JSON object (or <c>null</c>) for every value. The bridge sends such a
    /// payload as the event's <c>kwargs</c>, and any other payload (a number, a string, a list, a dictionary) as the
    /// only element of its <c>args</c>, because a frame's <c>kwargs</c> must be an object.
    /// </summary>
    /// <remarks>
    /// The generator returns <see langword="true"/> for the classes, structs and records it writes serializers for.
    /// The default is <see langword="false"/>, which is always safe: the receiving side reads a payload from the
    /// only element of <c>args</c> when <c>kwargs</c> is empty.
    /// </remarks>
    public virtual bool WritesObject => false;

    /// <summary>Writes <paramref name="value"/> as one JSON value.</summary>
    public abstract void Write(Utf8JsonWriter writer, T value);

    /// <summary>
    /// Reads one JSON value. The reader is positioned on the value's first token and is left on its last token.
    /// </summary>
    /// <exception cref="PayloadException">The JSON does not fit <typeparamref name="T"/>.</exception>
    public abstract T Read(ref Utf8JsonReader reader);
}
