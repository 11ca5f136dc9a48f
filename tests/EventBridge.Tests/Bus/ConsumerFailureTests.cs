using Microsoft.Extensions.Logging;

namespace EventBridge.Tests.Bus;

public class ConsumerFailureTests
{
    [Fact]
    public void Emit_ConsumerThrows_ReportedAndOthersRun()
    {
        var logs = new RecordingLoggerFactory();
        var bus = new EventBus(new EventBusOptions { LoggerFactory = logs });
        var failures = new FailureLog(bus);
        var error = new InvalidOperationException("broken consumer");
        var ran = new List<string>();
        bus.AddConsumer(Consumers.Sync("work", _ => ran.Add("before")));
        bus.AddConsumer(Consumers.Sync("work", _ => throw error, name: "Broken.Handle"));
        bus.AddConsumer(Consumers.Sync("work", _ => ran.Add("after")));

        bus.Emit("work", 1);

        Assert.Equal(["before", "after"], ran);
        var failure = Assert.Single(failures.Failures);
        Assert.Equal("Broken.Handle", failure.ConsumerName);
        Assert.Same(error, failure.Exception);
        Assert.Equal("work", failure.Message.Signal);
        var entry = Assert.Single(logs.Entries, entry => entry.EventName == "ConsumerFailed");
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Same(error, entry.Exception);
        Assert.Contains("Broken.Handle", entry.Message, StringComparison.Ordinal);
        Assert.Contains("work", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmitAsync_ConsumerThrows_OthersRun()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var ran = new List<string>();
        bus.AddConsumer(Consumers.Sync("work", _ => throw new InvalidOperationException("sync"), name: "Broken"));
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            await Task.Yield();
            ran.Add("after");
        }));

        await bus.EmitAsync("work", 1);

        Assert.Equal(["after"], ran);
        Assert.Equal("Broken", Assert.Single(failures.Failures).ConsumerName);
    }

    [Fact]
    public async Task EmitAsync_AsyncFault_ReportedAndOthersRun()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var ran = new List<string>();
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("async fault");
        }, name: "Faulty"));
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            await Task.Yield();
            throw new InvalidOperationException("second async fault");
        }, name: "AlsoFaulty"));
        bus.AddConsumer(Consumers.Sync("work", _ => ran.Add("after")));

        await bus.EmitAsync("work", 1);

        Assert.Equal(["after"], ran);
        Assert.Equal(["Faulty", "AlsoFaulty"], failures.Failures.Select(failure => failure.ConsumerName));
        Assert.Equal("async fault", failures.Failures[0].Exception.Message);
    }

    [Fact]
    public async Task Emit_AsyncFault_ReportedLater()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ran = new List<string>();
        bus.AddConsumer(Consumers.Async("work", async _ =>
        {
            await gate.Task;
            throw new InvalidOperationException("late fault");
        }, name: "Late"));
        bus.AddConsumer(Consumers.Sync("work", _ => ran.Add("after")));

        bus.Emit("work", 1);
        Assert.Equal(["after"], ran);
        Assert.Empty(failures.Failures);
        gate.SetResult();

        var failure = Assert.Single(await failures.WaitForAsync(1));
        Assert.Equal("Late", failure.ConsumerName);
        Assert.Equal("late fault", failure.Exception.Message);
        Assert.Equal("work", failure.Message.Signal);
    }

    [Fact]
    public void Emit_FaultedTask_Reported()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        bus.AddConsumer(new ConsumerDescriptor("work", null, "Faulted", _ =>
            ValueTask.FromException(new InvalidOperationException("already faulted"))));

        bus.Emit("work", 1);

        Assert.Equal("already faulted", Assert.Single(failures.Failures).Exception.Message);
    }

    [Fact]
    public void Emit_FailureHandlerThrows_Logged()
    {
        var logs = new RecordingLoggerFactory();
        var bus = new EventBus(new EventBusOptions { LoggerFactory = logs });
        bus.ConsumerFailed += (_, _) => throw new InvalidOperationException("handler bug");
        var ran = false;
        bus.AddConsumer(Consumers.Sync("work", _ => throw new InvalidOperationException("consumer bug")));
        bus.AddConsumer(Consumers.Sync("work", _ => ran = true));

        bus.Emit("work", 1);

        Assert.True(ran);
        var entry = Assert.Single(logs.Entries, entry => entry.EventName == "ErrorHandlerFailed");
        Assert.Equal("handler bug", entry.Exception?.Message);
    }

    [Fact]
    public void Emit_ConsumerFails_ReportKeepsEvent()
    {
        var bus = new EventBus();
        var failures = new FailureLog(bus);
        bus.AddConsumer(Consumers.OfPerson("person", person =>
        {
            if (person.Age < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(person), "negative age");
            }
        }));

        bus.Emit("person", new Person("Bad", -1));
        bus.Emit("person", new Person("Good", 1));
        bus.Emit("person", new Person("Also good", 2));

        var failure = Assert.Single(failures.Failures);
        Assert.True(failure.Message.TryGetPayload(out Person? payload));
        Assert.Equal("Bad", payload?.Name);
    }
}
