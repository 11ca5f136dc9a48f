using EventBridge;
using EventBridge.Serialization;

[assembly: EventBridgeJson(Naming = PayloadNaming.CamelCase)]

namespace Accounts;

public sealed record UserProfile(string DisplayName, string EMailAddress, int LoginCount);

public static class ProfileConsumers
{
    [Consumer("profile_updated")]
    public static void OnUpdated(UserProfile profile)
    {
    }

    [Consumer("renamed")]
    public static void OnRenamed(string oldName, string newName)
    {
    }
}
