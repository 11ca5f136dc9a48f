using System.Diagnostics.CodeAnalysis;

namespace EventBridge.Serialization;

/// <summary>
/// The process-wide table of payload serializers, filled by generated code when each assembly loads. A static
/// generic cache keeps lookups free of locks, dictionaries and reflection.
/// </summary>
public static class PayloadSerializers
{
    /// <summary>Registers the serializer for <typeparamref name="T"/>; a later registration replaces an earlier one.</summary>
    public static void Register<T>(PayloadSerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        Cache<T>.Serializer = serializer;
    }

    /// <summary>Finds the serializer for <typeparamref name="T"/>.</summary>
    public static bool TryGet<T>([NotNullWhen(true)] out PayloadSerializer<T>? serializer)
    {
        serializer = Cache<T>.Serializer;
        return serializer is not null;
    }

    /// <summary>Returns the serializer for <typeparamref name="T"/>.</summary>
    /// <exception cref="PayloadException">No serializer is registered for <typeparamref name="T"/>.</exception>
    public static PayloadSerializer<T> Get<T>() => Cache<T>.Serializer ?? throw PayloadException.NoSerializer(typeof(T).FullName);

    private static class Cache<T>
    {
        public static PayloadSerializer<T>? Serializer;
    }
}
