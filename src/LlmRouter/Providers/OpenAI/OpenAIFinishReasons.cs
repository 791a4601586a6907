namespace LlmRouter.Providers.OpenAI;

/// <summary>OpenAI's finish reasons as shared strings, so recording one per response allocates nothing.</summary>
internal static class OpenAIFinishReasons
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string ToolCalls = "tool_calls";
    public const string ContentFilter = "content_filter";
    public const string FunctionCall = "function_call";

    public static string FromUtf8(ReadOnlySpan<byte> value) => value switch
    {
        _ when value.SequenceEqual("stop"u8) => Stop,
        _ when value.SequenceEqual("length"u8) => Length,
        _ when value.SequenceEqual("tool_calls"u8) => ToolCalls,
        _ when value.SequenceEqual("content_filter"u8) => ContentFilter,
        _ when value.SequenceEqual("function_call"u8) => FunctionCall,
        _ => System.Text.Encoding.UTF8.GetString(value),
    };
}
