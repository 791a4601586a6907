using System.Buffers;
using System.Text.Json;
using LlmRouter.Chat;
using LlmRouter.Configuration;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// Writes an Anthropic Messages body from a parsed OpenAI chat request. What happens to each OpenAI request field:
/// <list type="table">
/// <listheader><term>OpenAI field</term><description>Anthropic request</description></listheader>
/// <item><term><c>model</c></term><description>replaced by the deployment's upstream model.</description></item>
/// <item><term><c>messages</c></term><description><c>system</c> (system/developer text, in order) and <c>messages</c>
/// (see <see cref="AnthropicMessageConverter"/>); user <c>input_audio</c>/<c>file</c> parts and the legacy
/// <c>function</c> role are refused with 400.</description></item>
/// <item><term><c>max_completion_tokens</c>, <c>max_tokens</c></term><description><c>max_tokens</c> (the former wins);
/// the deployment's <c>DefaultMaxTokens</c> when both are absent, because Anthropic requires it.</description></item>
/// <item><term><c>temperature</c></term><description><c>temperature</c> clamped to [0, 1].</description></item>
/// <item><term><c>top_p</c></term><description><c>top_p</c>; dropped when <c>temperature</c> is also set and the deployment
/// has <c>TemperatureOrTopPOnly</c>.</description></item>
/// <item><term><c>n</c></term><description>1 is ignored; more than 1 is refused with 400 <c>param:"n"</c>.</description></item>
/// <item><term><c>stop</c></term><description><c>stop_sequences</c> without whitespace-only entries.</description></item>
/// <item><term><c>stream</c></term><description><c>stream:true</c>.</description></item>
/// <item><term><c>stream_options</c></term><description>gateway-side only (usage chunk); not forwarded.</description></item>
/// <item><term><c>tools</c></term><description><c>tools[]{name, description, input_schema}</c> (<c>parameters</c> or an empty
/// object schema); <c>strict</c> dropped. Without tools, tools used in the history are declared minimally.</description></item>
/// <item><term><c>tool_choice</c></term><description><c>auto</c>→<c>{type:auto}</c>, <c>required</c>→<c>{type:any}</c>,
/// <c>none</c>→<c>{type:none}</c>, <c>{function:{name}}</c>→<c>{type:tool,name}</c>; dropped without tools.</description></item>
/// <item><term><c>parallel_tool_calls</c></term><description><c>false</c>→<c>tool_choice.disable_parallel_tool_use:true</c>
/// (not with <c>none</c>).</description></item>
/// <item><term><c>response_format</c></term><description><c>json_schema</c>/<c>json_object</c>→ a synthetic tool
/// <c>json_tool_call</c> (forced unless the client declared tools) whose input the response translators turn back into
/// content; <c>text</c> ignored.</description></item>
/// <item><term><c>user</c></term><description><c>metadata.user_id</c>, unless it looks like an e-mail address (Anthropic
/// forbids personal data there).</description></item>
/// <item><term><c>metadata</c></term><description>dropped (OpenAI stored-completion tags; the router reads it).</description></item>
/// <item><term><c>seed</c>, <c>logprobs</c>, <c>top_logprobs</c>, <c>logit_bias</c>, <c>frequency_penalty</c>,
/// <c>presence_penalty</c></term><description>dropped: Anthropic has no equivalent.</description></item>
/// <item><term><c>reasoning_effort</c>, <c>service_tier</c>, <c>store</c>, <c>modalities</c>, <c>audio</c>,
/// <c>prediction</c>, <c>verbosity</c>, <c>web_search_options</c>, <c>safety_identifier</c>,
/// <c>prompt_cache_key</c>, <c>functions</c>, <c>function_call</c></term><description>dropped.</description></item>
/// </list>
/// </summary>
internal static class AnthropicRequestTranslator
{
    /// <summary>The synthetic tool that carries <c>response_format</c> JSON output.</summary>
    public const string JsonToolName = "json_tool_call";

    public static ReadOnlyMemory<byte> Translate(ChatRequest request, Deployment deployment)
    {
        if (request.N > 1)
        {
            throw new InvalidRequestException(
                $"Invalid 'n': {request.N}. This model returns a single choice; 'n' must be 1.", "n");
        }

        var conversation = AnthropicMessageConverter.Convert(request.Messages);
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, request.Body.Length));
        using (var json = new Utf8JsonWriter(buffer, JsonOutput.Options))
        {
            json.WriteStartObject();
            json.WriteString("model"u8, deployment.UpstreamModel);
            json.WriteNumber("max_tokens"u8, request.MaxTokens ?? deployment.Options.DefaultMaxTokens);
            WriteSystem(json, conversation.System);
            WriteMessages(json, conversation.Turns);
            WriteSampling(json, request, deployment);
            if (request.Stream)
            {
                json.WriteBoolean("stream"u8, true);
            }

            if (request.User is { Length: > 0 } user && !LooksLikeEmail(user))
            {
                json.WritePropertyName("metadata"u8);
                json.WriteStartObject();
                json.WriteString("user_id"u8, user);
                json.WriteEndObject();
            }

            WriteTools(json, request, conversation);
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    /// <summary>Whether the request asks for JSON output, which this adapter produces through <see cref="JsonToolName"/>.</summary>
    public static bool UsesJsonTool(ChatRequest request)
        => request.ResponseFormat is { } format
            && format.TryGetProperty("type", out var type)
            && (type.ValueEquals("json_schema"u8) || type.ValueEquals("json_object"u8));

    private static void WriteSystem(Utf8JsonWriter json, List<string> system)
    {
        if (system.Count == 0)
        {
            return;
        }

        json.WritePropertyName("system"u8);
        json.WriteStartArray();
        foreach (var text in system)
        {
            WriteTextBlock(json, text);
        }

        json.WriteEndArray();
    }

    private static void WriteMessages(Utf8JsonWriter json, List<AnthropicTurn> turns)
    {
        json.WritePropertyName("messages"u8);
        json.WriteStartArray();
        foreach (var turn in turns)
        {
            json.WriteStartObject();
            json.WriteString("role"u8, turn.Role);
            json.WritePropertyName("content"u8);
            json.WriteStartArray();
            foreach (var block in turn.Blocks)
            {
                WriteBlock(json, block);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteBlock(Utf8JsonWriter json, in AnthropicBlock block)
    {
        switch (block.Kind)
        {
            case AnthropicBlockKind.Text:
                WriteTextBlock(json, block.Text);
                break;
            case AnthropicBlockKind.ImageBase64:
                json.WriteStartObject();
                json.WriteString("type"u8, "image"u8);
                json.WritePropertyName("source"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "base64"u8);
                json.WriteString("media_type"u8, block.MediaType);
                json.WriteString("data"u8, block.Text.AsSpan(block.DataOffset));
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case AnthropicBlockKind.ImageUrl:
                json.WriteStartObject();
                json.WriteString("type"u8, "image"u8);
                json.WritePropertyName("source"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "url"u8);
                json.WriteString("url"u8, block.Text);
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            case AnthropicBlockKind.ToolUse:
                json.WriteStartObject();
                json.WriteString("type"u8, "tool_use"u8);
                json.WriteString("id"u8, block.Id);
                json.WriteString("name"u8, block.Text);
                json.WritePropertyName("input"u8);
                json.WriteRawValue(block.Input.Span, skipInputValidation: true);
                json.WriteEndObject();
                break;
            case AnthropicBlockKind.ToolResult:
                json.WriteStartObject();
                json.WriteString("type"u8, "tool_result"u8);
                json.WriteString("tool_use_id"u8, block.Id);
                WriteToolResultContent(json, block.Content);
                json.WriteEndObject();
                break;
        }
    }

    // Tool output is a string or text parts; empty output is sent without content (an empty text block is rejected).
    private static void WriteToolResultContent(Utf8JsonWriter json, JsonElement content)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            var text = content.GetString();
            if (!string.IsNullOrWhiteSpace(text))
            {
                json.WriteString("content"u8, text);
            }

            return;
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var started = false;
        foreach (var part in content.EnumerateArray())
        {
            if (!part.TryGetProperty("type"u8, out var type) || !type.ValueEquals("text"u8)
                || !part.TryGetProperty("text"u8, out var textElement) || textElement.ValueKind != JsonValueKind.String
                || textElement.GetString() is not { } text
                || string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (!started)
            {
                json.WritePropertyName("content"u8);
                json.WriteStartArray();
                started = true;
            }

            WriteTextBlock(json, text);
        }

        if (started)
        {
            json.WriteEndArray();
        }
    }

    private static void WriteTextBlock(Utf8JsonWriter json, string text)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "text"u8);
        json.WriteString("text"u8, text);
        json.WriteEndObject();
    }

    private static void WriteSampling(Utf8JsonWriter json, ChatRequest request, Deployment deployment)
    {
        if (request.Temperature is { } temperature)
        {
            json.WriteNumber("temperature"u8, Math.Clamp(temperature, 0, 1));
        }

        if (request.TopP is { } topP && !(request.Temperature is not null && deployment.Options.TemperatureOrTopPOnly))
        {
            json.WriteNumber("top_p"u8, topP);
        }

        var started = false;
        foreach (var stop in request.Stop)
        {
            if (string.IsNullOrWhiteSpace(stop))
            {
                continue;
            }

            if (!started)
            {
                json.WritePropertyName("stop_sequences"u8);
                json.WriteStartArray();
                started = true;
            }

            json.WriteStringValue(stop);
        }

        if (started)
        {
            json.WriteEndArray();
        }
    }

    private static void WriteTools(Utf8JsonWriter json, ChatRequest request, AnthropicConversation conversation)
    {
        var declared = request.Tools is { } tools && tools.GetArrayLength() > 0;
        var jsonTool = UsesJsonTool(request);

        // Anthropic refuses tool_use/tool_result history unless tools are declared.
        var declareHistoryTools = !declared && conversation.HasToolBlocks;
        if (!declared && !jsonTool && !declareHistoryTools)
        {
            return;
        }

        json.WritePropertyName("tools"u8);
        json.WriteStartArray();
        if (declared)
        {
            WriteClientTools(json, request.Tools!.Value);
        }

        if (declareHistoryTools)
        {
            WriteHistoryTools(json, conversation.ToolNamesUsed);
        }

        if (jsonTool)
        {
            WriteJsonTool(json, request.ResponseFormat!.Value);
        }

        json.WriteEndArray();

        if (declared)
        {
            WriteClientToolChoice(json, request);
        }
        else if (jsonTool)
        {
            json.WritePropertyName("tool_choice"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, "tool"u8);
            json.WriteString("name"u8, JsonToolName);
            json.WriteEndObject();
        }
        else
        {
            // The tools exist only to make the history valid; the model must not call them.
            json.WritePropertyName("tool_choice"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, "none"u8);
            json.WriteEndObject();
        }
    }

    private static void WriteClientTools(Utf8JsonWriter json, JsonElement tools)
    {
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object
                || !tool.TryGetProperty("type"u8, out var type) || !type.ValueEquals("function"u8)
                || !tool.TryGetProperty("function"u8, out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw new InvalidRequestException(
                    $"Invalid 'tools[{index}]': expected {{\"type\":\"function\",\"function\":{{\"name\":...}}}}.", $"tools[{index}]");
            }

            json.WriteStartObject();
            json.WritePropertyName("name"u8);
            name.WriteTo(json);
            if (function.TryGetProperty("description"u8, out var description) && description.ValueKind == JsonValueKind.String)
            {
                json.WritePropertyName("description"u8);
                description.WriteTo(json);
            }

            json.WritePropertyName("input_schema"u8);
            if (function.TryGetProperty("parameters"u8, out var parameters) && parameters.ValueKind == JsonValueKind.Object)
            {
                parameters.WriteTo(json);
            }
            else
            {
                WriteEmptyObjectSchema(json);
            }

            json.WriteEndObject();
            index++;
        }
    }

    private static void WriteHistoryTools(Utf8JsonWriter json, List<string> names)
    {
        foreach (var name in names)
        {
            json.WriteStartObject();
            json.WriteString("name"u8, name);
            json.WritePropertyName("input_schema"u8);
            WriteEmptyObjectSchema(json);
            json.WriteEndObject();
        }
    }

    private static void WriteJsonTool(Utf8JsonWriter json, JsonElement responseFormat)
    {
        json.WriteStartObject();
        json.WriteString("name"u8, JsonToolName);
        json.WriteString("description"u8, "Respond with the JSON object the user asked for."u8);
        json.WritePropertyName("input_schema"u8);
        if (responseFormat.TryGetProperty("json_schema"u8, out var jsonSchema) && jsonSchema.ValueKind == JsonValueKind.Object
            && jsonSchema.TryGetProperty("schema"u8, out var schema) && schema.ValueKind == JsonValueKind.Object)
        {
            schema.WriteTo(json);
        }
        else
        {
            // json_object: any object is acceptable.
            json.WriteStartObject();
            json.WriteString("type"u8, "object"u8);
            json.WriteBoolean("additionalProperties"u8, true);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void WriteClientToolChoice(Utf8JsonWriter json, ChatRequest request)
    {
        var disableParallel = request.ParallelToolCalls == false;
        ReadOnlySpan<byte> type;
        string? name = null;
        if (request.ToolChoice is not { } choice)
        {
            if (!disableParallel)
            {
                return;
            }

            type = "auto"u8;
        }
        else if (choice.ValueKind == JsonValueKind.String)
        {
            type = choice.ValueEquals("required"u8) ? "any"u8 : choice.ValueEquals("none"u8) ? "none"u8 : "auto"u8;
        }
        else
        {
            type = "tool"u8;
            name = choice.GetProperty("function"u8).GetProperty("name"u8).GetString();
        }

        json.WritePropertyName("tool_choice"u8);
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        if (name is not null)
        {
            json.WriteString("name"u8, name);
        }

        if (disableParallel && !type.SequenceEqual("none"u8))
        {
            json.WriteBoolean("disable_parallel_tool_use"u8, true);
        }

        json.WriteEndObject();
    }

    private static void WriteEmptyObjectSchema(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, "object"u8);
        json.WritePropertyName("properties"u8);
        json.WriteStartObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    // metadata.user_id must be an opaque id; an address would leak personal data to the provider.
    private static bool LooksLikeEmail(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && value.IndexOf('.', at + 1) > at + 1;
    }
}
