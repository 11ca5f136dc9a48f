using System.Buffers;
using System.Text;

namespace EventBridge.Tests.Bridge;

public sealed class ClientOutboxTests
{
    /// <summary>Writes a frame that names its sequence number, padded to the payload's length.</summary>
    private static readonly OutboxFrameWriter s_write = (message, seq, buffer) =>
    {
        var padding = message.TryGetPayload<int>(out var length) ? length : 0;
        buffer.Write(Encoding.UTF8.GetBytes(FrameText(seq, padding)));
    };

    [Fact]
    public void TakeBatch_FramesInOrderAsOneSlice()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        AddMany(outbox, 5, 10);

        var batch = new OutboxBatch();

        Assert.True(outbox.TakeBatch(batch, ClientOutbox.ChunkBytes, keepUntilAcked: true));
        Assert.Equal(1, batch.Count);
        Assert.Equal(Frames(1, 5, 10), Text(batch));
        Assert.Equal(5, outbox.Count);
        outbox.EndWrite(batch);
        Assert.False(outbox.TakeBatch(batch, ClientOutbox.ChunkBytes, keepUntilAcked: true));
    }

    [Fact]
    public void TakeBatch_StopsAtMaxBytes()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        AddMany(outbox, 4, 10);

        var frameBytes = FrameText(1, 10).Length;
        var batch = new OutboxBatch();

        Assert.True(outbox.TakeBatch(batch, 2 * frameBytes + 1, keepUntilAcked: true));
        Assert.Equal(Frames(1, 2, 10), Text(batch));
        outbox.EndWrite(batch);

        // A single frame over the limit is still taken, alone.
        Assert.True(outbox.TakeBatch(batch, 1, keepUntilAcked: true));
        Assert.Equal(Frames(3, 3, 10), Text(batch));
    }

    [Fact]
    public void Acknowledge_RemovesUpToSeq()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        AddMany(outbox, 5, 0);
        WriteAll(outbox);

        outbox.Acknowledge(3);

        Assert.Equal(2, outbox.Count);
        Assert.Null(outbox.FindUnacked(3));
        Assert.NotNull(outbox.FindUnacked(4));
    }

    [Fact]
    public async Task WhenBelow_AcksBringCountUnder()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        AddMany(outbox, 5, 0);
        WriteAll(outbox);

        Assert.True(outbox.WhenBelowAsync(6).IsCompleted);
        var belowThree = outbox.WhenBelowAsync(3);
        var belowThreeAgain = outbox.WhenBelowAsync(3);
        var belowOne = outbox.WhenBelowAsync(1);

        outbox.Acknowledge(2);
        Assert.False(belowThree.IsCompleted);

        outbox.Acknowledge(3);
        await belowThree.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(belowThree, belowThreeAgain);
        Assert.False(belowOne.IsCompleted);

        outbox.Acknowledge(5);
        await belowOne.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Requeue_ResendsUnackedBeforeUnsent()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        AddMany(outbox, 3, 5);
        WriteAll(outbox);
        outbox.Acknowledge(1);
        outbox.Add(Message(5), s_write);

        outbox.Requeue();

        var batch = new OutboxBatch();
        Assert.True(outbox.TakeBatch(batch, ClientOutbox.ChunkBytes, keepUntilAcked: true));
        Assert.Equal(Frames(2, 4, 5), Text(batch));
    }

    [Fact]
    public void DropOldest_DropsUnackedFirst()
    {
        var outbox = new ClientOutbox(3, OutboxOverflow.DropOldest);
        var first = Message(0);
        outbox.Add(first, s_write);
        outbox.Add(Message(0), s_write);
        WriteAll(outbox);
        outbox.Add(Message(0), s_write);

        var dropped = outbox.Add(Message(0), s_write);

        Assert.Same(first, dropped?.Message);
        Assert.True(dropped?.WasSent);
        Assert.Equal(3, outbox.Count);
        Assert.Null(outbox.FindUnacked(1));
        outbox.Requeue();
        Assert.Equal(Frames(2, 4, 0), TakeText(outbox));
    }

    [Fact]
    public void DropOldest_RequeuedEntry_WasSent()
    {
        var outbox = new ClientOutbox(2, OutboxOverflow.DropOldest);
        outbox.Add(Message(0), s_write);
        WriteAll(outbox);
        outbox.Requeue();
        outbox.Add(Message(0), s_write);

        var first = outbox.Add(Message(0), s_write);
        var second = outbox.Add(Message(0), s_write);

        // Written once to a lost connection, the first event may have reached the server before the loss.
        Assert.True(first?.WasSent);
        Assert.False(second?.WasSent);
    }

    [Fact]
    public void DropNewest_ReturnsNewEventUnwritten()
    {
        var outbox = new ClientOutbox(2, OutboxOverflow.DropNewest);
        var written = 0;
        OutboxFrameWriter counting = (message, seq, buffer) =>
        {
            written++;
            s_write(message, seq, buffer);
        };
        outbox.Add(Message(0), counting);
        outbox.Add(Message(0), counting);
        var third = Message(0);

        var dropped = outbox.Add(third, counting);

        Assert.Same(third, dropped?.Message);
        Assert.False(dropped?.WasSent);
        Assert.Equal(2, written);
        Assert.Equal(2, outbox.Count);
    }

    [Fact]
    public void FailedWrite_AddsAndDropsNothing()
    {
        var outbox = new ClientOutbox(2, OutboxOverflow.DropOldest);
        outbox.Add(Message(0), s_write);
        outbox.Add(Message(0), s_write);
        OutboxFrameWriter failing = (_, _, buffer) =>
        {
            buffer.Write("{\"partial"u8);
            throw new InvalidOperationException("cannot serialize");
        };

        Assert.Throws<InvalidOperationException>(() => outbox.Add(Message(0), failing));

        Assert.Equal(2, outbox.Count);
        outbox.Add(Message(0), s_write);

        // The failed frame's sequence number is not used, so the next event takes it.
        Assert.Equal(Frames(2, 3, 0), TakeText(outbox));
    }

    [Fact]
    public void WithoutAcks_TakenEntriesLeave()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        outbox.Add(Message(0), s_write);
        outbox.Add(Message(0), s_write);
        var emptied = outbox.WhenEmptyAsync();
        var batch = new OutboxBatch();

        Assert.True(outbox.TakeBatch(batch, ClientOutbox.ChunkBytes, keepUntilAcked: false));

        Assert.Equal(0, outbox.Count);
        Assert.True(emptied.IsCompleted);
        Assert.Equal(Frames(1, 2, 0), Text(batch));
        outbox.EndWrite(batch);
        Assert.Equal(1, outbox.ChunksInUse);
    }

    [Fact]
    public void FrameOverChunkSize_WrittenIntact()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        outbox.Add(Message(10), s_write);
        outbox.Add(Message(ClientOutbox.ChunkBytes + 1000), s_write);
        outbox.Add(Message(10), s_write);
        var batch = new OutboxBatch();

        outbox.TakeBatch(batch, int.MaxValue, keepUntilAcked: true);

        Assert.True(batch.Count >= 2);
        Assert.Equal(Frames(1, 1, 10) + FrameText(2, ClientOutbox.ChunkBytes + 1000) + Frames(3, 3, 10), Text(batch));
    }

    [Fact]
    public void AckedDuringWrite_BytesKeptUntilWriteEnds()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        AddMany(outbox, 3, 1000);

        var batch = new OutboxBatch();
        outbox.TakeBatch(batch, ClientOutbox.ChunkBytes, keepUntilAcked: true);
        var expected = Frames(1, 3, 1000);

        // With nothing left to read it, the chunk would start over and the new frames would overwrite the batch.
        outbox.Acknowledge(3);
        AddMany(outbox, 3, 1000);

        Assert.Equal(expected, Text(batch));
        outbox.EndWrite(batch);
    }

    [Fact]
    public void DroppedDuringWrite_BytesKeptUntilWriteEnds()
    {
        var outbox = new ClientOutbox(2, OutboxOverflow.DropOldest);
        outbox.Add(Message(40_000), s_write);
        var batch = new OutboxBatch();
        outbox.TakeBatch(batch, ClientOutbox.ChunkBytes, keepUntilAcked: false);
        var expected = Frames(1, 1, 40_000);

        // The second frame does not fit in the first chunk, whose only entry has left the outbox already.
        outbox.Add(Message(40_000), s_write);
        outbox.Add(Message(40_000), s_write);
        outbox.Add(Message(40_000), s_write);

        Assert.Equal(expected, Text(batch));
        Assert.Equal(3, outbox.ChunksInUse);
        outbox.EndWrite(batch);
        Assert.Equal(2, outbox.ChunksInUse);
    }

    [Fact]
    public void Clear_ReturnsAllEventsInOrder()
    {
        var outbox = new ClientOutbox(100, OutboxOverflow.DropOldest);
        var messages = Enumerable.Range(0, 4).Select(_ => Message(0)).ToArray();
        foreach (var message in messages)
        {
            outbox.Add(message, s_write);
        }

        var batch = new OutboxBatch();
        outbox.TakeBatch(batch, FrameText(1, 0).Length, keepUntilAcked: true);
        outbox.EndWrite(batch);

        Assert.Null(outbox.LeftAtClear);
        var cleared = outbox.Clear();

        Assert.Equal(4, outbox.LeftAtClear);
        Assert.Equal(messages, cleared.Select(drop => drop.Message));
        Assert.Equal([true, false, false, false], cleared.Select(drop => drop.WasSent));
        Assert.Equal(0, outbox.Count);
        Assert.Equal(1, outbox.ChunksInUse);
    }

    /// <summary>
    /// Runs random sequences of the outbox's operations against a plain model of its queue, and checks each batch's
    /// bytes both when taken and when its write ends, which is when reused memory would show.
    /// </summary>
    [Theory]
    [InlineData(1, OutboxOverflow.DropOldest)]
    [InlineData(7, OutboxOverflow.DropOldest)]
    [InlineData(300, OutboxOverflow.DropOldest)]
    [InlineData(5, OutboxOverflow.DropNewest)]
    [InlineData(300, OutboxOverflow.DropNewest)]
    public void RandomOperations_MatchModel(int capacity, OutboxOverflow overflow)
    {
        var random = new Random(capacity * 31 + (int)overflow);
        var outbox = new ClientOutbox(capacity, overflow);
        var unacked = new List<(long Seq, string Frame)>();
        var unsent = new List<(long Seq, string Frame)>();
        var lastSeq = 0L;
        var acks = true;
        var batch = new OutboxBatch();
        string? written = null;

        for (var step = 0; step < 20_000; step++)
        {
            var choice = random.Next(100);
            if (choice < 45)
            {
                // Mostly short frames, some near and some over the chunk size.
                var padding = random.Next(20) switch
                {
                    0 => random.Next(20_000, 70_000),
                    < 4 => random.Next(1_000, 5_000),
                    _ => random.Next(0, 300),
                };
                var full = unacked.Count + unsent.Count >= capacity;
                var dropped = outbox.Add(Message(padding), s_write);
                if (full && overflow == OutboxOverflow.DropNewest)
                {
                    Assert.NotNull(dropped);
                    continue;
                }

                lastSeq++;
                if (full)
                {
                    Assert.NotNull(dropped);
                    if (unacked.Count > 0)
                    {
                        unacked.RemoveAt(0);
                    }
                    else
                    {
                        unsent.RemoveAt(0);
                    }
                }
                else
                {
                    Assert.Null(dropped);
                }

                unsent.Add((lastSeq, FrameText(lastSeq, padding)));
            }
            else if (choice < 65 && written is null)
            {
                var maxBytes = random.Next(1, 3 * ClientOutbox.ChunkBytes);
                var expected = new StringBuilder();
                var takenCount = 0;
                while (takenCount < unsent.Count
                    && (takenCount == 0 || expected.Length + unsent[takenCount].Frame.Length <= maxBytes))
                {
                    expected.Append(unsent[takenCount].Frame);
                    takenCount++;
                }

                Assert.Equal(takenCount > 0, outbox.TakeBatch(batch, maxBytes, acks));
                if (acks)
                {
                    unacked.AddRange(unsent.Take(takenCount));
                }

                unsent.RemoveRange(0, takenCount);
                if (takenCount > 0)
                {
                    written = expected.ToString();
                    Assert.Equal(written, Text(batch));
                }
            }
            else if (choice < 80 && written is not null)
            {
                Assert.Equal(written, Text(batch));
                outbox.EndWrite(batch);
                written = null;
            }
            else if (choice < 95 && unacked.Count > 0)
            {
                var seq = unacked[random.Next(unacked.Count)].Seq;
                outbox.Acknowledge(seq);
                unacked.RemoveAll(entry => entry.Seq <= seq);
            }
            else if (written is null)
            {
                // A new connection: the unacked entries go back in front, and the server may or may not send acks.
                outbox.Requeue();
                unsent.InsertRange(0, unacked);
                unacked.Clear();
                acks = random.Next(4) != 0;
            }

            Assert.Equal(unacked.Count + unsent.Count, outbox.Count);
        }

        if (written is not null)
        {
            outbox.EndWrite(batch);
        }

        outbox.Clear();
        Assert.Equal(1, outbox.ChunksInUse);
    }

    private static void AddMany(ClientOutbox outbox, int count, int padding)
    {
        for (var i = 0; i < count; i++)
        {
            outbox.Add(Message(padding), s_write);
        }
    }

    /// <summary>Takes every unsent entry, keeping it as unacked, and ends the write at once.</summary>
    /// <summary>Takes one batch of up to a chunk, keeping its entries until acknowledged, and returns its text.</summary>
    private static string TakeText(ClientOutbox outbox)
    {
        var batch = new OutboxBatch();
        outbox.TakeBatch(batch, ClientOutbox.ChunkBytes, keepUntilAcked: true);
        return Text(batch);
    }

    private static void WriteAll(ClientOutbox outbox)
    {
        var batch = new OutboxBatch();
        outbox.TakeBatch(batch, int.MaxValue, keepUntilAcked: true);
        outbox.EndWrite(batch);
    }

    private static EventMessage Message(int padding) =>
        new TypedEventMessage<int>("load", null, EventId.NewId(), padding);

    private static string FrameText(long seq, int padding) =>
        $"{{\"signal\":\"load\",\"seq\":{seq},\"padding\":\"{new string('x', padding)}\"}}\n";

    private static string Frames(long first, long last, int padding)
    {
        var text = new StringBuilder();
        for (var seq = first; seq <= last; seq++)
        {
            text.Append(FrameText(seq, padding));
        }

        return text.ToString();
    }

    private static string Text(OutboxBatch batch)
    {
        var text = new StringBuilder();
        for (var i = 0; i < batch.Count; i++)
        {
            text.Append(Encoding.UTF8.GetString(batch[i].Memory.Span));
        }

        return text.ToString();
    }
}
