using EventBridge;

namespace Orders;

public sealed record OrderCancelled(string OrderId, string Reason);

public partial class OrderView
{
    [Consumer("order_cancelled")]
    public void OnCancelled(OrderCancelled order)
    {
    }
}
