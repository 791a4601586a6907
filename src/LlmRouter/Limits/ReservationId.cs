using System.Globalization;
using System.Security.Cryptography;

namespace LlmRouter.Limits;

/// <summary>
/// Ids of reservations (parallel leases in the fleet store): a random per-process prefix and a counter, unique
/// across the fleet without a random number per request.
/// </summary>
internal static class ReservationId
{
    private static readonly string Prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "-";
    private static long _next;

    public static string Next() => Prefix + Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture);
}
