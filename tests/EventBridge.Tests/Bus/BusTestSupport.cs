using System.Collections.Concurrent;
using System.Text.Json;
using EventBridge.Serialization;
using Microsoft.Extensions.Logging;

namespace EventBridge.Tests.Bus;

/// <summary>Hand-written consumers, payloads and loggers for the bus tests.</summary>
internal static class Consumers
{
    public static ConsumerDescriptor Sync(string signal, Action<EventContext> handler, string? name = null) =>
        Sync(signal, null, handler, name);

    public static ConsumerDescriptor Sync(
        string signal,
        string? @namespace,
        Action<EventContext> handler,
        string? name = null) =>
        new(signal, @namespace, name ?? "consumer of " + signal, context =>
        {
            handler(context);
            return default;
        });

    public static ConsumerDescriptor Async(string signal, Func<EventContext, Task> handler, string? name = null) =>
        new(signal, null, name ?? "async consumer of " + signal, context => new ValueTask(handler(context)));

    /// <summary>A consumer that reads a <see cref="Person"/> payload, as generated code does.</summary>
    public static ConsumerDescriptor OfPerson(string signal, Action<Person> handler, string? name = null) =>
        new(signal, null, name ?? "person consumer of " + signal, context =>
        {
            handler(context.Message.GetPayload(PersonSerializer.Instance));
            return default;
        });
}

public sealed record Person(string Name, int Age);

/// <summary>Reads and writes <see cref="Person"/> as <c>{"name":"...","age":N}</c>, naming the member at fault.</summary>
internal sealed class PersonSerializer : PayloadSerializer<Person>
{
    public static readonly PersonSerializer Instance = new();

    public override bool WritesObject => true;

    public override void Write(Utf8JsonWriter writer, Person value)
    {
        writer.WriteStartObject();
        writer.WriteString("name", value.Name);
        writer.WriteNumber("age", value.Age);
        writer.WriteEndObject();
    }

    public override Person Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new PayloadException($"Expected a JSON object for Person, found {reader.TokenType}.");
        }

        string? name = null;
        var age = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new PayloadException($"Expected a string, found {reader.TokenType}.", "name");
                }

                name = reader.GetString();
            }
            else if (reader.ValueTextEquals("age"))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out age))
                {
                    throw new PayloadException($"Expected a 32-bit integer, found {reader.TokenType}.", "age");
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new Person(name ?? throw new PayloadException("The required member is missing.", "name"), age);
    }
}

/// <summary>Collects <see cref="EventBus.ConsumerFailed"/> reports.</summary>
internal sealed class FailureLog
{
    private readonly ConcurrentQueue<ConsumerErrorEventArgs> _failures = new();

    public FailureLog(EventBus bus)
    {
        bus.ConsumerFailed += (_, args) => _failures.Enqueue(args);
    }

    public IReadOnlyList<ConsumerErrorEventArgs> Failures => [.. _failures];

    /// <summary>Waits until at least <paramref name="count"/> failures were reported, for asynchronous consumers.</summary>
    public async Task<IReadOnlyList<ConsumerErrorEventArgs>> WaitForAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (_failures.Count < count)
        {
            await Task.Delay(10, timeout.Token);
        }

        return Failures;
    }
}

/// <summary>An <see cref="ILoggerFactory"/> whose loggers keep every entry in memory.</summary>
internal sealed class RecordingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new RecordingLogger(categoryName, Entries);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            Microsoft.Extensions.Logging.EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new LogEntry(category, logLevel, eventId.Name, formatter(state, exception), exception));
    }
}

internal sealed record LogEntry(string Category, LogLevel Level, string? EventName, string Message, Exception? Exception);
