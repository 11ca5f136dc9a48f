using EventBridge.Tests.Bus;
using Microsoft.Extensions.Logging;

namespace EventBridge.Tests.Bridge;

/// <summary>A logger that throws must not change what a bus, a client or a server does.</summary>
public sealed class FailingLoggerTests
{
    [Fact]
    public async Task ReceivedEvent_ThrowingLogger_LaterEventsDelivered()
    {
        await using var server = await Bridge.StartServerAsync();
        var bus = new EventBus(new EventBusOptions { LoggerFactory = new ThrowingLoggerFactory() });
        var calls = 0;
        bus.AddConsumer(Consumers.Sync("work", _ =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("the consumer failed");
        }));
        await using var receiver = await Bridge.ConnectAsync(server, "receiver", bus: bus);
        await using var sender = await Bridge.ConnectAsync(server, "sender");
        await Bridge.WaitForClientsAsync(server, 2);

        sender.Bus.Emit("work", 1);
        await Bridge.WaitUntilAsync(() => Volatile.Read(ref calls) == 1, "the consumer ran once");
        sender.Bus.Emit("work", 2);

        await Bridge.WaitUntilAsync(() => Volatile.Read(ref calls) == 2, "the consumer ran for the second event");
        await Bridge.WaitForDeliveriesAsync(receiver);
        Assert.Equal(0, receiver.PendingDeliveryCount);
    }

    [Fact]
    public void LocalEmit_ThrowingLogger_OthersRunAndRaised()
    {
        var bus = new EventBus(new EventBusOptions { LoggerFactory = new ThrowingLoggerFactory() });
        var failing = 0;
        var following = 0;
        var raised = 0;
        bus.ConsumerFailed += (_, _) => raised++;
        bus.AddConsumer(Consumers.Sync("work", _ =>
        {
            failing++;
            throw new InvalidOperationException("the consumer failed");
        }));
        bus.AddConsumer(Consumers.Sync("work", _ => following++));

        for (var i = 0; i < 40; i++)
        {
            bus.Emit("work", i);
        }

        Assert.Equal(40, failing);
        Assert.Equal(40, following);
        Assert.Equal(40, raised);
    }

    [Fact]
    public void LocalEmit_ThrowingLoggerOnDrop_EmitReturns()
    {
        var bus = new EventBus(new EventBusOptions { LoggerFactory = new ThrowingLoggerFactory(LogLevel.Trace) });
        var received = new List<string>();
        bus.Use(message => message.Signal == "skip" ? null : message);
        bus.AddConsumer(Consumers.Sync("skip", context => received.Add(context.Signal)));
        bus.AddConsumer(Consumers.Sync("work", context => received.Add(context.Signal)));

        bus.Emit("skip", 1);
        bus.Emit("work", 2);

        Assert.Equal(["work"], received);
    }

    [Fact]
    public async Task Bridge_ThrowingLoggers_EventsFlowNoReconnect()
    {
        var everyLevel = new ThrowingLoggerFactory(LogLevel.Trace);
        await using var server = await Bridge.StartServerAsync(new EventBridgeServerOptions { LoggerFactory = everyLevel });
        var bus = new EventBus(new EventBusOptions { LoggerFactory = everyLevel });
        var received = 0;
        bus.Use(message => message.Signal == "skip" ? null : message);
        bus.AddConsumer(Consumers.Sync("work", _ => Interlocked.Increment(ref received)));
        await using var receiver = await Bridge.ConnectAsync(
            server, "receiver", options => options with { LoggerFactory = everyLevel }, bus);
        await using var sender = await Bridge.ConnectAsync(
            server, "sender", options => options with { LoggerFactory = everyLevel });
        await Bridge.WaitForClientsAsync(server, 2);
        var reconnections = 0;
        receiver.StateChanged += (_, change) =>
        {
            if (change.Current == EventBridgeClientState.Reconnecting)
            {
                Interlocked.Increment(ref reconnections);
            }
        };

        for (var i = 0; i < 20; i++)
        {
            sender.Bus.Emit("skip", i);
            sender.Bus.Emit("work", i);
        }

        await Bridge.WaitUntilAsync(() => Volatile.Read(ref received) == 20, "the receiver got every work event");
        Assert.Equal(EventBridgeClientState.Connected, receiver.State);
        Assert.Equal(0, Volatile.Read(ref reconnections));
    }

    /// <summary>Loggers that throw for every entry at or above a level, as a broken logging provider would.</summary>
    private sealed class ThrowingLoggerFactory(LogLevel from = LogLevel.Error) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger(from);

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger(LogLevel from) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(
                LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= from)
                {
                    throw new IOException("the log is not writable");
                }
            }
        }
    }
}
