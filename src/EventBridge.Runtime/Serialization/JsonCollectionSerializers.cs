using System.ComponentModel;
using System.Text.Json;

namespace EventBridge.Serialization;

/// <summary>
/// Writes a collection as a JSON array and reads one into the collection that <c>create</c> builds from a
/// <see cref="List{T}"/>. Generated serializers use it for arrays, lists, sets and the collection interfaces.
/// </summary>
/// <typeparam name="TCollection">The collection type, for example <c>IReadOnlyList&lt;Order&gt;</c>.</typeparam>
/// <typeparam name="TElement">The element type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class JsonCollectionSerializer<TCollection, TElement> : PayloadSerializer<TCollection>
    where TCollection : IEnumerable<TElement>
{
    private readonly PayloadSerializer<TElement> _element;
    private readonly Func<List<TElement>, TCollection> _create;

    /// <summary>Initializes the serializer.</summary>
    /// <param name="element">The serializer of the elements.</param>
    /// <param name="create">Turns the elements read into the collection, for example <c>list => list.ToArray()</c>.</param>
    public JsonCollectionSerializer(PayloadSerializer<TElement> element, Func<List<TElement>, TCollection> create)
    {
        ArgumentNullException.ThrowIfNull(element);
        ArgumentNullException.ThrowIfNull(create);
        _element = element;
        _create = create;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, TCollection value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartArray();
        switch (value)
        {
            case TElement[] array:
                foreach (var item in array)
                {
                    _element.Write(writer, item);
                }

                break;
            case List<TElement> list:
                foreach (var item in list)
                {
                    _element.Write(writer, item);
                }

                break;
            default:
                foreach (var item in value)
                {
                    _element.Write(writer, item);
                }

                break;
        }

        writer.WriteEndArray();
    }

    /// <inheritdoc/>
    public override TCollection Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default!;
        }

        PayloadJson.ExpectStartArray(ref reader);
        var items = new List<TElement>();
        while (true)
        {
            PayloadJson.ReadNext(ref reader);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                break;
            }

            try
            {
                items.Add(_element.Read(ref reader));
            }
            catch (PayloadException exception)
            {
                throw PayloadJson.AtIndex(exception, items.Count);
            }
        }

        return _create(items);
    }
}

/// <summary>
/// Writes a dictionary with string keys as a JSON object and reads one into the dictionary that <c>create</c>
/// builds from a <see cref="Dictionary{TKey, TValue}"/>.
/// </summary>
/// <typeparam name="TDictionary">The dictionary type, for example <c>IReadOnlyDictionary&lt;string, int&gt;</c>.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class JsonDictionarySerializer<TDictionary, TValue> : PayloadSerializer<TDictionary>
    where TDictionary : IEnumerable<KeyValuePair<string, TValue>>
{
    private readonly PayloadSerializer<TValue> _value;
    private readonly Func<Dictionary<string, TValue>, TDictionary> _create;

    /// <summary>Initializes the serializer.</summary>
    /// <param name="value">The serializer of the values.</param>
    /// <param name="create">Turns the entries read into the dictionary type.</param>
    public JsonDictionarySerializer(PayloadSerializer<TValue> value, Func<Dictionary<string, TValue>, TDictionary> create)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(create);
        _value = value;
        _create = create;
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, TDictionary value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteStartObject();
        foreach (var entry in value)
        {
            writer.WritePropertyName(entry.Key);
            _value.Write(writer, entry.Value);
        }

        writer.WriteEndObject();
    }

    /// <inheritdoc/>
    /// <remarks>When a key occurs twice, the last value wins.</remarks>
    public override TDictionary Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return default!;
        }

        PayloadJson.ExpectStartObject(ref reader);
        var entries = new Dictionary<string, TValue>(StringComparer.Ordinal);
        while (true)
        {
            PayloadJson.ReadNext(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            var key = PayloadJson.GetString(ref reader);
            PayloadJson.ReadNext(ref reader);
            try
            {
                entries[key] = _value.Read(ref reader);
            }
            catch (PayloadException exception)
            {
                throw PayloadJson.AtMember(exception, key);
            }
        }

        return _create(entries);
    }
}

/// <summary>Writes a <see cref="Nullable{T}"/> as <c>null</c> or as its value.</summary>
/// <typeparam name="T">The underlying value type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class JsonNullableSerializer<T> : PayloadSerializer<T?>
    where T : struct
{
    private readonly PayloadSerializer<T> _value;

    /// <summary>Initializes the serializer with the serializer of the underlying type.</summary>
    public JsonNullableSerializer(PayloadSerializer<T> value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <inheritdoc/>
    public override bool WritesObject => _value.WritesObject;

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, T? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.HasValue)
        {
            _value.Write(writer, value.GetValueOrDefault());
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    /// <inheritdoc/>
    public override T? Read(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Null ? null : _value.Read(ref reader);
}
