namespace EventBridge.Generators;

/// <summary>The names of the generator's incremental steps, which tests use to check what was cached.</summary>
public static class TrackingNames
{
    public const string Settings = nameof(Settings);
    public const string ConsumerParse = nameof(ConsumerParse);
    public const string Consumers = nameof(Consumers);
    public const string EmitSiteParse = nameof(EmitSiteParse);
    public const string PayloadCatalog = nameof(PayloadCatalog);
    public const string SerializerFiles = nameof(SerializerFiles);
    public const string SerializerTable = nameof(SerializerTable);
    public const string StaticConsumerFile = nameof(StaticConsumerFile);
    public const string ConsumerHostFiles = nameof(ConsumerHostFiles);
}
