using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

[assembly: MediatorOptions(ServiceLifetime = ServiceLifetime.Singleton)]

namespace EventBridge.Benchmarks;

/// <summary>
/// In-process delivery of one typed payload: EventBridge's <see cref="EventBus.Emit{TPayload}(string, TPayload)"/>
/// and <see cref="EventSignal{TPayload}.Emit"/> against Mediator's notification publish, with a direct call through an
/// interface as the floor. Every handler does the same work, adding the payload's value to a field.
/// </summary>
[MemoryDiagnoser]
public class EmitBenchmarks
{
    private readonly OrderPlaced _payload = new(42, "EUR");
    private readonly Counter _counter = new();
    private EventBus _oneConsumer = null!;
    private EventBus _tenConsumers = null!;
    private EventSignal<OrderPlaced> _signalToOne = null!;
    private EventSignal<OrderPlaced> _signalToTen = null!;
    private IOrderHandler _direct = null!;
    private global::Mediator.Mediator _mediator = null!;
    private ServiceProvider _services = null!;

    [GlobalSetup]
    public void Setup()
    {
        _oneConsumer = new EventBus();
        _oneConsumer.Subscribe(new OrderConsumer(_counter));
        _tenConsumers = new EventBus();
        for (var i = 0; i < 10; i++)
        {
            _tenConsumers.Subscribe(new OrderConsumer(_counter));
        }

        _signalToOne = _oneConsumer.CreateSignal<OrderPlaced>("order_placed");
        _signalToTen = _tenConsumers.CreateSignal<OrderPlaced>("order_placed");
        _direct = new OrderHandler(_counter);
        _services = new ServiceCollection().AddSingleton(_counter).AddMediator().BuildServiceProvider();
        _mediator = _services.GetRequiredService<global::Mediator.Mediator>();
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "Interface call, 1 handler")]
    public void InterfaceCall() => _direct.Handle(_payload);

    [Benchmark(Description = "EventBus.Emit, 1 consumer")]
    public void EmitToOne() => _oneConsumer.Emit("order_placed", _payload);

    [Benchmark(Description = "EventSignal.Emit, 1 consumer")]
    public void SignalToOne() => _signalToOne.Emit(_payload);

    [Benchmark(Description = "Mediator.Publish, 1 handler")]
    public ValueTask MediatorToOne() => _mediator.Publish(new OrderPlacedNotification(_payload));

    [Benchmark(Description = "EventBus.Emit, 10 consumers")]
    public void EmitToTen() => _tenConsumers.Emit("order_placed", _payload);

    [Benchmark(Description = "EventSignal.Emit, 10 consumers")]
    public void SignalToTen() => _signalToTen.Emit(_payload);

    [Benchmark(Description = "Mediator.Publish, 10 handlers")]
    public ValueTask MediatorToTen() => _mediator.Publish(new OrderPlacedTenNotification(_payload));
}

public sealed record OrderPlaced(int Quantity, string Currency);

public sealed class Counter
{
    public long Total;
}

/// <summary>An instance consumer, wired by the EventBridge generator like any application's.</summary>
public sealed partial class OrderConsumer(Counter counter)
{
    [Consumer("order_placed")]
    public void OnOrderPlaced(OrderPlaced order) => counter.Total += order.Quantity;
}

public interface IOrderHandler
{
    void Handle(OrderPlaced order);
}

public sealed class OrderHandler(Counter counter) : IOrderHandler
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void Handle(OrderPlaced order) => counter.Total += order.Quantity;
}

/// <summary>
/// Mediator's notification for one handler. It wraps the payload, so both libraries deliver the same object; the
/// wrapper is a struct to keep Mediator's publish free of allocations as well.
/// </summary>
public readonly record struct OrderPlacedNotification(OrderPlaced Order) : INotification;

public readonly record struct OrderPlacedTenNotification(OrderPlaced Order) : INotification;

public sealed class MediatorOrderHandler(Counter counter) : INotificationHandler<OrderPlacedNotification>
{
    public ValueTask Handle(OrderPlacedNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

// Ten identical handler types, because Mediator resolves one instance per handler type.
public sealed class TenHandler0(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}
public sealed class TenHandler1(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler2(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler3(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler4(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler5(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler6(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler7(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler8(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}

public sealed class TenHandler9(Counter counter) : INotificationHandler<OrderPlacedTenNotification>
{
    public ValueTask Handle(OrderPlacedTenNotification notification, CancellationToken cancellationToken)
    {
        counter.Total += notification.Order.Quantity;
        return default;
    }
}
