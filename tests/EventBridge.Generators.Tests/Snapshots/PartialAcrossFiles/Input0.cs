using EventBridge;

namespace Orders;

public sealed record OrderPlaced(string OrderId, decimal Total);

public partial class OrderView
{
    [Consumer("order_placed")]
    public void OnPlaced(OrderPlaced order)
    {
    }
}
