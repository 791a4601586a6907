using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmRouter.Limits;

/// <summary>How runtime keys are stored in Redis and read from <c>POST /admin/keys</c>: camelCase, enums as names.</summary>
internal static class RuntimeKeyJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
