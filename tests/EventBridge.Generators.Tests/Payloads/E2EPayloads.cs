namespace EventBridge.Generators.Tests.Payloads;

public sealed record UserAction(string Action, string? User);

public sealed record Address(string Street, int Zip);

public sealed record Customer(string Name, Address Address, bool IsActive, double Score, long Visits);

public static class RecordingConsumers
{
    public static readonly List<object> Received = [];

    [Consumer("e2e_user_action")]
    public static void OnUserAction(UserAction action) => Received.Add(action);

    [Consumer("e2e_login")]
    public static void OnLogin(string user, int attempts = 1) => Received.Add((user, attempts));
}

public sealed partial class CustomerWatcher
{
    public List<Customer> Seen { get; } = [];

    [Consumer("e2e_customer")]
    public Task OnCustomerAsync(Customer customer, EventContext context, CancellationToken cancellationToken)
    {
        Seen.Add(customer);
        return Task.CompletedTask;
    }
}

public sealed partial class GenericWatcher<TTag>
{
    public List<(TTag Tag, UserAction Action)> Seen { get; } = [];

    public TTag? Tag { get; init; }

    [Consumer("e2e_generic")]
    public ValueTask OnAction(UserAction action)
    {
        Seen.Add((Tag!, action));
        return default;
    }
}

public static partial class Outer
{
    public sealed partial class NestedWatcher
    {
        public int Count { get; private set; }

        [Consumer("e2e_nested", Namespace = "inner")]
        private void OnPing(long sequence, EventContext context) => Count += context.IsRemote ? 100 : (int)sequence;
    }
}
