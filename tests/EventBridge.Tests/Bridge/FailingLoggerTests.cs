using EventBridge.Tests.Bus;
using Microsoft.Extensions.Logging;

namespace EventBridge.Tests.Bridge;

/// <summary>A logger that throws while the bus reports a failed consumer must not stop other or later deliveries.</summary>
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

    /// <summary>Loggers that throw for every error entry, as a broken logging provider would.</summary>
    private sealed class ThrowingLoggerFactory : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new ThrowingLogger();

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }

        private sealed class ThrowingLogger : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(
                LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Error)
                {
                    throw new IOException("the log is not writable");
                }
            }
        }
    }
}
