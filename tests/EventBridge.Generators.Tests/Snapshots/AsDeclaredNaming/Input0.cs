using EventBridge;
using EventBridge.Serialization;

[assembly: EventBridgeJson(Naming = PayloadNaming.AsDeclared)]

namespace Accounts;

public sealed record UserProfile(string DisplayName, int LoginCount);

public static class ProfileConsumers
{
    [Consumer("profile_updated")]
    public static void OnUpdated(UserProfile profile)
    {
    }
}
