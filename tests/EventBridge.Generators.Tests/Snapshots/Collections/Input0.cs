using System.Collections.Generic;
using EventBridge;

namespace Shop.Inventory;

public sealed record Item(string Sku, int Quantity);

public sealed class Stock
{
    public Item[] Items { get; set; } = [];
    public List<Item> Backorders { get; set; } = [];
    public IReadOnlyList<string> Tags { get; set; } = [];
    public IEnumerable<int> Bins { get; set; } = [];
    public HashSet<string> Warehouses { get; set; } = [];
    public Dictionary<string, Item> BySku { get; set; } = [];
    public IReadOnlyDictionary<string, List<int?>> Counts { get; set; } = new Dictionary<string, List<int?>>();
    public int?[] Gaps { get; set; } = [];
    public List<List<string>> Grid { get; set; } = [];
}

public static class StockConsumers
{
    [Consumer("stock_changed")]
    public static void OnStockChanged(Stock stock)
    {
    }
}
