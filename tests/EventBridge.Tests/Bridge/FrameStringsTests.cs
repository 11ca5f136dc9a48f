using System.Text;
using EventBridge.Transport;

namespace EventBridge.Tests.Bridge;

public sealed class FrameStringsTests
{
    // The table is one per process and stops growing at 4,096 names, which other tests (the frame fuzz tests) may
    // reach first. A name the table did not keep is allocated for every lookup, so only kept names are one instance.

    [Fact]
    public void SameBytes_SameString()
    {
        var first = FrameStrings.Get("frame-strings-same"u8);
        var second = FrameStrings.Get("frame-strings-same"u8);

        Assert.Equal("frame-strings-same", first);
        Assert.Equal(first, second);
        if (FrameStrings.IsKept(first))
        {
            Assert.Same(first, second);
        }
    }

    [Fact]
    public void NamesSharingRecentSlot_EachReadBack()
    {
        // Same length, first and last byte, so both land in the same slot of the thread's recent strings.
        string[] names = ["fs-slot-aaa-z", "fs-slot-bbb-z", "fs-slot-ccc-z"];
        for (var round = 0; round < 3; round++)
        {
            foreach (var name in names)
            {
                Assert.Equal(name, FrameStrings.Get(Encoding.UTF8.GetBytes(name)));
            }
        }
    }

    [Fact]
    public void PrefixOfKnownName_NotConfused()
    {
        Assert.Equal("fs-prefix-name", FrameStrings.Get("fs-prefix-name"u8));
        Assert.Equal("fs-prefix-nam", FrameStrings.Get("fs-prefix-nam"u8));
        Assert.Equal("fs-prefix-name", FrameStrings.Get("fs-prefix-name"u8));
    }

    [Fact]
    public void NonAsciiAndEmpty_ReadBack()
    {
        Assert.Equal("fs-caf\u00e9-\u4e16", FrameStrings.Get(Encoding.UTF8.GetBytes("fs-caf\u00e9-\u4e16")));
        Assert.Equal("fs-caf\u00e9-\u4e16", FrameStrings.Get(Encoding.UTF8.GetBytes("fs-caf\u00e9-\u4e16")));
        Assert.Equal(string.Empty, FrameStrings.Get([]));
    }

    [Fact]
    public async Task OtherThreads_ReadSameStrings()
    {
        var onThisThread = FrameStrings.Get("fs-threads"u8);
        var onPoolThread = await Task.Run(() => FrameStrings.Get("fs-threads"u8));

        Assert.Equal("fs-threads", onPoolThread);
        if (FrameStrings.IsKept(onThisThread))
        {
            Assert.Same(onThisThread, onPoolThread);
        }
    }
}
