using System.Collections.Generic;
using System.Threading.Tasks;
using EventBridge;

namespace Publisher;

public sealed record PriceChanged(string Symbol, decimal Price);

public sealed record Trade(string Symbol, int Quantity);

public sealed class Desk
{
    public async Task PublishAsync(EventBus bus)
    {
        bus.Emit("price_changed", new PriceChanged("ACME", 12.5m));
        await bus.EmitAsync("trades", "desk", new List<Trade> { new("ACME", 3) });
        var message = EventMessage.Create("ticks", 42L);
        bus?.Emit(message.WithPayload(new Trade("ACME", 1)));
        Forward(bus!, new PriceChanged("X", 1));
    }

    private static void Forward<T>(EventBus bus, T payload) => bus.Emit("forwarded", payload);
}
