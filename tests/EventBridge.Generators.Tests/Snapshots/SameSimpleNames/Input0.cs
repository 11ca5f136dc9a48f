using EventBridge;

namespace Billing
{
    public sealed record Item(decimal Price);

    public static class Consumers
    {
        [Consumer("billing_item")]
        public static void OnItem(Item item)
        {
        }
    }
}

namespace Shipping
{
    public sealed record Item(double Weight);

    public static class Consumers
    {
        [Consumer("shipping_item")]
        public static void OnItem(Item item)
        {
        }
    }
}
