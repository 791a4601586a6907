using System.Buffers;

namespace LlmRouter.Chat;

/// <summary>
/// Arrays for request, upstream and response bodies. Small ones — nearly every chat request and answer — come from the shared
/// pool; larger ones are plain arrays, because the pool keeps what it is given per core and per size, and a few
/// multi-megabyte bodies would stay resident long after their requests.
/// </summary>
internal static class BodyBuffers
{
    /// <summary>Largest array taken from (and given back to) the pool.</summary>
    public const int MaxPooledBytes = 64 * 1024;

    public static byte[] Rent(int length) => length <= MaxPooledBytes ? ArrayPool<byte>.Shared.Rent(length) : new byte[length];

    /// <summary>
    /// <see cref="Return"/> as a response's on-completed callback (state: the array), for buffers the response needs
    /// until it has been sent.
    /// </summary>
    public static readonly Func<object, Task> ReturnOnCompleted = static array =>
    {
        Return((byte[])array);
        return Task.CompletedTask;
    };

    /// <summary>Gives back an array from <see cref="Rent"/>; larger ones are left to the collector.</summary>
    public static void Return(byte[] array)
    {
        if (array.Length <= MaxPooledBytes)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
