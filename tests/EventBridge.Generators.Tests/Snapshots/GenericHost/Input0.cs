using System.Collections.Generic;
using EventBridge;

namespace Caching;

public sealed record Box<T>(T Value, int Version);

public sealed record Entry(string Key);

public partial class Cache<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _items = new();

    [Consumer("cache_cleared")]
    public void OnCleared(Box<Entry> box) => _items.Clear();

    public partial class Shard
    {
        [Consumer("shard_cleared")]
        public void OnShardCleared(Box<string> box)
        {
        }
    }
}
