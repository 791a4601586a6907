namespace LlmRouter.Tests.Providers;

/// <summary>Cuts a recorded upstream body into reads the way a network might, for stream-splitting property tests.</summary>
internal static class ReadSplits
{
    /// <summary>Mostly small reads, so that cuts land inside characters and CRLF pairs; now and then a large one.</summary>
    public static List<byte[]> Random(byte[] bytes, Random random)
    {
        var reads = new List<byte[]>();
        var offset = 0;
        while (offset < bytes.Length)
        {
            var length = Math.Min(bytes.Length - offset, random.Next(4) == 0 ? random.Next(1, 200) : random.Next(1, 8));
            reads.Add(bytes[offset..(offset + length)]);
            offset += length;
        }

        return reads;
    }
}
