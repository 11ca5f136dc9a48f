using BenchmarkDotNet.Attributes;
using EventBridge.Transport;

namespace EventBridge.Benchmarks;

/// <summary>
/// The cost of recording one new event id in a full duplicate window of the server's default size, as the server does for every
/// event it relays and a client for every event it receives. With several senders, their events alternate one by one,
/// the least favourable order for reusing the last sender's hash.
/// </summary>
[MemoryDiagnoser]
public class DuplicateWindowBenchmarks
{
    private const int Capacity = 65_536;

    // Four windows of ids, so an id comes round again only long after the window forgot it.
    private readonly EventId[] _ids = Enumerable.Range(0, Capacity * 4).Select(_ => EventId.NewId()).ToArray();
    private EventIdWindow _window = null!;
    private string[] _senders = null!;
    private int _next;

    [Params(1, 8)]
    public int Senders { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _window = new EventIdWindow(Capacity);

        // Names built at run time, as received names are, not interned literals.
        _senders = Enumerable.Range(0, Senders).Select(i => string.Concat("publisher-", i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        for (var i = 0; i < Capacity; i++)
        {
            Add();
        }
    }

    [Benchmark]
    public bool Add()
    {
        var index = _next;
        _next = index + 1 == _ids.Length ? 0 : index + 1;
        return _window.TryAdd(_senders[index % _senders.Length], _ids[index]);
    }
}
