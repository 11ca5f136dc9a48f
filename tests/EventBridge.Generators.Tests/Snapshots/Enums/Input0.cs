using System;
using System.Text.Json.Serialization;
using EventBridge;

namespace Access;

public enum Role
{
    Guest,
    Member,
    [JsonStringEnumMemberName("admin")]
    Administrator,
    Owner = Administrator,
}

[Flags]
public enum Permission : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Delete = 4,
    All = Read | Write | Delete,
}

public enum Offset : long
{
    Negative = -1,
    Zero = 0,
}

public sealed record Grant(Role Role, Permission Permissions, Offset Offset, Role? Previous);

public static class GrantConsumers
{
    [Consumer("grant")]
    public static void OnGrant(Grant grant)
    {
    }

    [Consumer("role_changed")]
    public static void OnRoleChanged(Role role, Permission permissions = Permission.Read)
    {
    }
}
