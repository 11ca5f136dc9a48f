using System.Threading;
using System.Threading.Tasks;
using EventBridge;

namespace Shop.Orders;

public sealed record Address(string Street, int Zip);

public sealed record Customer(string Name, Address Address, bool IsActive, double Score, long Visits);

public sealed record UserAction(string Action, string? User);

public static class Audit
{
    [Consumer("user_action")]
    public static void OnUserAction(UserAction action, EventContext context)
    {
    }

    [Consumer("login")]
    public static ValueTask OnLogin(string user, int attempts = 1, CancellationToken cancellationToken = default) => default;
}

public sealed partial class CustomerView
{
    [Consumer("customer_changed", Namespace = "crm")]
    public Task OnCustomerChangedAsync(Customer customer, CancellationToken cancellationToken) => Task.CompletedTask;
}
