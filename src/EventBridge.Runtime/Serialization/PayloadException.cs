namespace EventBridge.Serialization;

/// <summary>A payload could not be written as JSON or read from it.</summary>
public sealed class PayloadException : EventBridgeException
{
    /// <summary>Initializes the exception with a message that names the member at fault.</summary>
    public PayloadException(string message, string? memberPath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        MemberPath = memberPath;
    }

    /// <summary>The JSON path of the member at fault, for example <c>customer.address.zip</c>, when one is known.</summary>
    public string? MemberPath { get; }

    internal static PayloadException NoSerializer(string? typeName) =>
        new($"No JSON serializer is registered for payload type '{typeName}'. The EventBridge generator writes one " +
            "for each type that a [Consumer] method takes and each type passed to Emit, EmitAsync, EventMessage.Create " +
            "or WithPayload as a concrete type, not through a type parameter of a generic method. In an assembly that " +
            "references the generator, add a consumer that takes the type or emit a value of it directly.");
}
