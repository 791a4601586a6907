using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Simulator;

/// <summary>Anthropic Messages: <c>POST /v1/messages</c>, JSON or SSE with <c>event:</c> and <c>data:</c> lines.</summary>
internal sealed class AnthropicSimulator : ProviderSimulator
{
    protected override SimulatedError? PreCheck(HttpContext context)
    {
        var request = context.Request;
        if (string.IsNullOrEmpty(request.Headers["x-api-key"]))
        {
            return new SimulatedError(ErrorKind.Authentication, "x-api-key header is required");
        }

        return string.IsNullOrEmpty(request.Headers["anthropic-version"])
            ? new SimulatedError(ErrorKind.Authentication, "anthropic-version header is required")
            : null;
    }

    protected override bool TryParse(
        HttpContext context,
        string deployment,
        JsonElement root,
        [NotNullWhen(true)] out SimulatedRequest? request,
        [NotNullWhen(false)] out SimulatedError? error)
    {
        var model = RequestJson.GetString(root, "model");
        if (string.IsNullOrEmpty(model))
        {
            return Fail("model: Field required", "model", out request, out error);
        }

        if (RequestJson.GetInt(root, "max_tokens") is not { } maxTokens)
        {
            return Fail("max_tokens: Field required", "max_tokens", out request, out error);
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return Fail("messages: Field required", "messages", out request, out error);
        }

        if (messages.GetArrayLength() == 0)
        {
            return Fail("messages: at least one message is required", "messages", out request, out error);
        }

        var last = messages[messages.GetArrayLength() - 1];
        var lastTurn = TurnKind.Other;
        string? subject;
        if (RequestJson.GetString(last, "role") == "user" && last.TryGetProperty("content", out var content))
        {
            var toolResult = FindToolResult(content);
            lastTurn = toolResult is null ? TurnKind.User : TurnKind.ToolResult;
            subject = toolResult is { } result
                ? RequestJson.TextOf(result.TryGetProperty("content", out var resultContent) ? resultContent : default)
                : RequestJson.TextOf(content);
        }
        else
        {
            subject = RequestJson.LastUserText(messages, "content");
        }

        root.TryGetProperty("system", out var system);
        root.TryGetProperty("tools", out var tools);
        var (toolName, toolArguments) = ChooseTool(root, tools);
        request = new SimulatedRequest
        {
            Deployment = deployment,
            Model = model,
            Stream = RequestJson.IsTrue(root, "stream"),
            PromptTokens = RequestJson.EstimateTokens(system, messages, tools),
            MaxOutputTokens = maxTokens,
            LastTurn = lastTurn,
            Subject = subject,
            ToolName = toolName,
            ToolArguments = toolArguments,
        };
        error = null;
        return true;
    }

    protected override ValueTask WriteErrorAsync(HttpContext context, SimulatedError error, CancellationToken cancellationToken)
    {
        var (status, type, message) = error.Kind switch
        {
            ErrorKind.Authentication => (401, "authentication_error", "invalid x-api-key"),
            ErrorKind.PermissionDenied => (403, "permission_error", "Your API key does not have permission to use the specified resource."),
            ErrorKind.NotFound => (404, "not_found_error", "The requested resource could not be found."),
            ErrorKind.RateLimited => (429, "rate_limit_error", "This request would exceed the rate limit for your organization. Please try again later."),
            ErrorKind.ServerError => (500, "api_error", "Internal server error"),
            ErrorKind.Overloaded => (529, "overloaded_error", "Overloaded"),
            _ => (400, "invalid_request_error", "Invalid request."),
        };

        var requestId = SimulatorIds.Create("req_011", 21);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers["request-id"] = requestId;
        if (error.Kind == ErrorKind.RateLimited)
        {
            response.Headers.RetryAfter = FaultInjector.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }

        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteString("type", "error");
        w.WriteStartObject("error");
        w.WriteString("type", type);
        w.WriteString("message", error.Message ?? message);
        w.WriteEndObject();
        w.WriteString("request_id", requestId);
        w.WriteEndObject();
        return buffer.SendAsync(response, cancellationToken);
    }

    protected override ValueTask WriteResponseAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        response.Headers["request-id"] = SimulatorIds.Create("req_011", 21);

        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        WriteMessageStart(w, request.Model);
        w.WriteStartArray("content");
        w.WriteStartObject();
        if (reply.IsToolCall)
        {
            WriteToolUseFields(w, reply);
            w.WritePropertyName("input");
            w.WriteRawValue(reply.ToolArguments!, skipInputValidation: true);
        }
        else
        {
            w.WriteString("type", "text");
            w.WriteString("text", reply.Text);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("stop_reason", StopReason(reply.Finish));
        w.WriteNull("stop_sequence");
        WriteUsage(w, reply.PromptTokens, reply.CompletionTokens, includeServiceTier: true);
        w.WriteEndObject();
        return buffer.SendAsync(response, cancellationToken);
    }

    protected override async Task WriteStreamAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, StreamPacer pacer, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.Headers["request-id"] = SimulatorIds.Create("req_011", 21);
        ResponseBuffer.StartStream(context, "text/event-stream; charset=utf-8");

        await SendMessageStartAsync(response, request, reply, cancellationToken);
        await SendBlockStartAsync(response, reply, cancellationToken);
        await SendPingAsync(response, cancellationToken);
        if (reply.IsToolCall)
        {
            // Anthropic opens every tool_use block with an empty input_json_delta.
            await SendDeltaAsync(response, "input_json_delta", "partial_json", ReadOnlyMemory<char>.Empty, cancellationToken);
            await StreamArgumentsAsync(
                reply.ToolArguments!,
                pacer,
                response,
                static (r, fragment, ct) => SendDeltaAsync(r, "input_json_delta", "partial_json", fragment, ct),
                cancellationToken);
        }
        else
        {
            await StreamTextAsync(
                reply.Text!,
                pacer,
                response,
                static (r, text, ct) => SendDeltaAsync(r, "text_delta", "text", text.Text, ct),
                cancellationToken);
        }

        await SendBlockStopAsync(response, cancellationToken);
        await SendMessageDeltaAsync(response, reply, cancellationToken);
        await SendMessageStopAsync(response, cancellationToken);
    }

    private static ValueTask SendMessageStartAsync(HttpResponse response, SimulatedRequest request, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteString("type", "message_start");
        w.WritePropertyName("message");
        WriteMessageStart(w, request.Model);
        w.WriteStartArray("content");
        w.WriteEndArray();
        w.WriteNull("stop_reason");
        w.WriteNull("stop_sequence");

        // Like the real API, message_start reports the input and a placeholder single output token.
        WriteUsage(w, reply.PromptTokens, 1, includeServiceTier: true);
        w.WriteEndObject();
        w.WriteEndObject();
        return buffer.SendEventAsync(response, "event: message_start\ndata: "u8, "\n\n"u8, cancellationToken);
    }

    private static ValueTask SendBlockStartAsync(HttpResponse response, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", 0);
        w.WriteStartObject("content_block");
        if (reply.IsToolCall)
        {
            WriteToolUseFields(w, reply);
            w.WriteStartObject("input");
            w.WriteEndObject();
        }
        else
        {
            w.WriteString("type", "text");
            w.WriteString("text", string.Empty);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        return buffer.SendEventAsync(response, "event: content_block_start\ndata: "u8, "\n\n"u8, cancellationToken);
    }

    private static ValueTask SendPingAsync(HttpResponse response, CancellationToken cancellationToken) =>
        ResponseBuffer.SendRawAsync(response, "event: ping\ndata: {\"type\":\"ping\"}\n\n"u8, cancellationToken);

    private static ValueTask SendDeltaAsync(HttpResponse response, string deltaType, string field, ReadOnlyMemory<char> value, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        w.WriteString("type", deltaType);
        w.WriteString(field, value.Span);
        w.WriteEndObject();
        w.WriteEndObject();
        return buffer.SendEventAsync(response, "event: content_block_delta\ndata: "u8, "\n\n"u8, cancellationToken);
    }

    private static ValueTask SendBlockStopAsync(HttpResponse response, CancellationToken cancellationToken) =>
        ResponseBuffer.SendRawAsync(response, "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"u8, cancellationToken);

    private static ValueTask SendMessageDeltaAsync(HttpResponse response, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteString("type", "message_delta");
        w.WriteStartObject("delta");
        w.WriteString("stop_reason", StopReason(reply.Finish));
        w.WriteNull("stop_sequence");
        w.WriteEndObject();

        // Cumulative totals for the whole message, as the current API sends them.
        WriteUsage(w, reply.PromptTokens, reply.CompletionTokens, includeServiceTier: false);
        w.WriteEndObject();
        return buffer.SendEventAsync(response, "event: message_delta\ndata: "u8, "\n\n"u8, cancellationToken);
    }

    private static ValueTask SendMessageStopAsync(HttpResponse response, CancellationToken cancellationToken) =>
        ResponseBuffer.SendRawAsync(response, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"u8, cancellationToken);

    /// <summary>Opens a message object and writes its identity fields.</summary>
    private static void WriteMessageStart(Utf8JsonWriter w, string model)
    {
        w.WriteStartObject();
        w.WriteString("id", SimulatorIds.Create("msg_01", 22));
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", model);
    }

    private static void WriteToolUseFields(Utf8JsonWriter w, SimulatedReply reply)
    {
        w.WriteString("type", "tool_use");
        w.WriteString("id", SimulatorIds.Create("toolu_01", 22));
        w.WriteString("name", reply.ToolName);
    }

    private static void WriteUsage(Utf8JsonWriter w, int inputTokens, int outputTokens, bool includeServiceTier)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("input_tokens", inputTokens);
        w.WriteNumber("cache_creation_input_tokens", 0);
        w.WriteNumber("cache_read_input_tokens", 0);
        w.WriteNumber("output_tokens", outputTokens);
        if (includeServiceTier)
        {
            w.WriteString("service_tier", "standard");
        }

        w.WriteEndObject();
    }

    private static string StopReason(FinishKind finish) => finish switch
    {
        FinishKind.Length => "max_tokens",
        FinishKind.ToolCall => "tool_use",
        _ => "end_turn",
    };

    private static JsonElement? FindToolResult(JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (RequestJson.GetString(block, "type") == "tool_result")
            {
                return block;
            }
        }

        return null;
    }

    /// <summary>
    /// The first tool with an input schema, or the one <c>tool_choice</c> names; none when tools are absent or
    /// <c>tool_choice</c> is <c>{"type":"none"}</c>.
    /// </summary>
    private static (string? Name, string? Arguments) ChooseTool(JsonElement root, JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() == 0)
        {
            return (null, null);
        }

        string? forced = null;
        if (root.TryGetProperty("tool_choice", out var choice) && choice.ValueKind == JsonValueKind.Object)
        {
            var type = RequestJson.GetString(choice, "type");
            if (type == "none")
            {
                return (null, null);
            }

            forced = type == "tool" ? RequestJson.GetString(choice, "name") : null;
        }

        return RequestJson.PickTool(tools.EnumerateArray(), forced, "input_schema");
    }
}
