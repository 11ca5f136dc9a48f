using System.ComponentModel;

namespace EventBridge.Serialization;

/// <summary>
/// Binds the parameters of generated consumer handlers from an event, and names the signal and parameter in every
/// error. Generated code calls these members.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ConsumerBinding
{
    /// <summary>Returns the event's payload through <see cref="EventMessage.GetPayload{TPayload}(PayloadSerializer{TPayload})"/>.</summary>
    /// <exception cref="PayloadException">The payload does not fit <typeparamref name="T"/>; the message names the signal.</exception>
    public static T GetPayload<T>(in EventContext context, PayloadSerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);

        // The JSON read and its exception handler stay in another method, because the handler would keep this one from
        // being inlined into the generated consumer.
        return context.Message.TryGetEmittedPayload(out T payload) ? payload : ReadPayload(context, serializer);
    }

    private static T ReadPayload<T>(in EventContext context, PayloadSerializer<T> serializer)
    {
        try
        {
            return context.Message.ReadPayload(serializer);
        }
        catch (PayloadException exception)
        {
            throw PayloadJson.ForSignal(exception, context.Signal);
        }
    }

    /// <summary>
    /// Returns the event's payload as <see cref="GetPayload{T}(in EventContext, PayloadSerializer{T})"/> does, and
    /// rejects a <see langword="null"/> payload for a parameter that does not accept one.
    /// </summary>
    /// <param name="context">The event.</param>
    /// <param name="parameterName">The C# parameter name, for messages.</param>
    /// <param name="serializer">The serializer of the parameter's type.</param>
    /// <param name="allowsNull">Whether the parameter accepts <see langword="null"/>.</param>
    /// <exception cref="PayloadException">
    /// The payload does not fit <typeparamref name="T"/>, or it is <see langword="null"/> and the parameter does not
    /// accept that; the message names the signal.
    /// </exception>
    public static T GetPayload<T>(
        in EventContext context,
        string parameterName,
        PayloadSerializer<T> serializer,
        bool allowsNull)
    {
        var payload = GetPayload(context, serializer);
        if (payload is null && !allowsNull)
        {
            throw PayloadJson.NullPayload(context.Signal, parameterName);
        }

        return payload;
    }

    /// <summary>
    /// Returns a parameter's value: for a consumer's only data parameter, the emitted payload itself when it is a
    /// <typeparamref name="T"/>; else the <c>kwargs</c> member named <paramref name="jsonName"/>; else the <c>args</c>
    /// element at <paramref name="position"/>.
    /// </summary>
    /// <param name="context">The event.</param>
    /// <param name="parameterName">The C# parameter name, for messages.</param>
    /// <param name="jsonName">The member name in <c>kwargs</c>.</param>
    /// <param name="position">The position in <c>args</c>.</param>
    /// <param name="serializer">The serializer of the parameter's type.</param>
    /// <param name="allowsNull">Whether the parameter accepts <see langword="null"/>.</param>
    /// <param name="isOnlyArgument">
    /// Whether this is the consumer's only data parameter, so that <c>bus.Emit("signal", 5L)</c> reaches a consumer
    /// that takes one <see cref="long"/>.
    /// </param>
    /// <exception cref="PayloadException">The event has no such value, or it does not fit <typeparamref name="T"/>.</exception>
    public static T GetRequiredArgument<T>(
        in EventContext context,
        string parameterName,
        string jsonName,
        int position,
        PayloadSerializer<T> serializer,
        bool allowsNull,
        bool isOnlyArgument)
    {
        if (!TryGetArgument(context, parameterName, jsonName, position, serializer, allowsNull, isOnlyArgument, out var value))
        {
            throw PayloadJson.MissingArgument(context.Signal, parameterName, jsonName, position);
        }

        return value;
    }

    /// <summary>
    /// Returns a parameter's value as <see cref="GetRequiredArgument"/> does, or <paramref name="defaultValue"/> when
    /// the event has none.
    /// </summary>
    /// <exception cref="PayloadException">The value does not fit <typeparamref name="T"/>.</exception>
    public static T GetOptionalArgument<T>(
        in EventContext context,
        string parameterName,
        string jsonName,
        int position,
        PayloadSerializer<T> serializer,
        bool allowsNull,
        bool isOnlyArgument,
        T defaultValue) =>
        TryGetArgument(context, parameterName, jsonName, position, serializer, allowsNull, isOnlyArgument, out var value)
            ? value
            : defaultValue;

    private static bool TryGetArgument<T>(
        in EventContext context,
        string parameterName,
        string jsonName,
        int position,
        PayloadSerializer<T> serializer,
        bool allowsNull,
        bool isOnlyArgument,
        out T value)
    {
        if (isOnlyArgument && context.Message.TryGetEmittedPayload(out value) && (value is not null || allowsNull))
        {
            return true;
        }

        try
        {
            if (!context.Message.TryGetArgument(jsonName, position, serializer, out value))
            {
                return false;
            }
        }
        catch (PayloadException exception)
        {
            throw PayloadJson.ForArgument(exception, context.Signal, parameterName, jsonName);
        }

        if (value is null && !allowsNull)
        {
            throw PayloadJson.ForArgument(
                PayloadJson.NullForValueType("the parameter's type"), context.Signal, parameterName, jsonName);
        }

        return true;
    }
}
