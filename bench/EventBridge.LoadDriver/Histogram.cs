using System.Text;

namespace EventBridge.LoadDriver;

/// <summary>
/// A log-linear latency histogram in microseconds: one bucket per microsecond below 512 µs, then 256 buckets per
/// power of two, so every recorded value is kept within 0.4 % of its true value.
/// </summary>
internal sealed class Histogram
{
    private const int LinearLimit = 512;
    private const int BucketsPerOctave = 256;
    private const int Octaves = 40;

    private readonly long[] _counts = new long[LinearLimit + (Octaves * BucketsPerOctave)];

    public long Count { get; private set; }

    public void Record(long micros)
    {
        _counts[IndexOf(Math.Max(0, micros))]++;
        Count++;
    }

    public void Add(Histogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>Returns the value at <paramref name="percentile"/> (0 to 100), in microseconds.</summary>
    public double Percentile(double percentile)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(percentile / 100 * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= Math.Max(rank, 1))
            {
                return ValueOf(i);
            }
        }

        return ValueOf(_counts.Length - 1);
    }

    /// <summary>Writes the non-empty buckets as <c>index:count</c> pairs separated by commas.</summary>
    public string ToSparse()
    {
        var text = new StringBuilder();
        for (var i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] != 0)
            {
                text.Append(text.Length == 0 ? "" : ",").Append(i).Append(':').Append(_counts[i]);
            }
        }

        return text.ToString();
    }

    public static Histogram FromSparse(string sparse)
    {
        var histogram = new Histogram();
        foreach (var pair in sparse.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split(':');
            var count = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            histogram._counts[int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)] += count;
            histogram.Count += count;
        }

        return histogram;
    }

    private static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        var octave = 63 - (int)long.LeadingZeroCount(value);
        var shift = octave - 8;
        var sub = (int)(value >> shift) - BucketsPerOctave;
        var index = LinearLimit + ((octave - 9) * BucketsPerOctave) + sub;
        return Math.Min(index, LinearLimit + (Octaves * BucketsPerOctave) - 1);
    }

    private static double ValueOf(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var octave = ((index - LinearLimit) / BucketsPerOctave) + 9;
        var sub = ((index - LinearLimit) % BucketsPerOctave) + BucketsPerOctave;
        var shift = octave - 8;

        // The middle of the bucket.
        return ((double)sub + 0.5) * (1L << shift);
    }
}
