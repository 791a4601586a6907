using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Simulator;

/// <summary>OpenAI Chat Completions: <c>POST /v1/chat/completions</c>, JSON or SSE (<c>data:</c> lines, then <c>[DONE]</c>).</summary>
internal sealed class OpenAISimulator : ProviderSimulator
{
    private const string Fingerprint = "fp_sim";

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
            return Fail("you must provide a model parameter", "model", out request, out error);
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return Fail("Missing required parameter: 'messages'.", "messages", out request, out error);
        }

        if (messages.GetArrayLength() == 0)
        {
            return Fail("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", "messages", out request, out error);
        }

        var stream = RequestJson.IsTrue(root, "stream");
        var hasStreamOptions = root.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind != JsonValueKind.Null;
        if (hasStreamOptions && !stream)
        {
            return Fail("The 'stream_options' parameter is only allowed when 'stream' is enabled.", "stream_options", out request, out error);
        }

        var last = messages[messages.GetArrayLength() - 1];
        var lastTurn = RequestJson.GetString(last, "role") switch
        {
            "user" => TurnKind.User,
            "tool" or "function" => TurnKind.ToolResult,
            _ => TurnKind.Other,
        };

        root.TryGetProperty("tools", out var tools);
        var (toolName, toolArguments) = ChooseTool(root, tools);
        request = new SimulatedRequest
        {
            Deployment = deployment,
            Model = model,
            Stream = stream,
            IncludeUsage = hasStreamOptions && RequestJson.IsTrue(streamOptions, "include_usage"),
            PromptTokens = RequestJson.EstimateTokens(messages, tools),
            MaxOutputTokens = RequestJson.GetInt(root, "max_completion_tokens") ?? RequestJson.GetInt(root, "max_tokens"),
            LastTurn = lastTurn,
            Subject = lastTurn == TurnKind.Other ? RequestJson.LastUserText(messages, "content") : RequestJson.TextOf(last.TryGetProperty("content", out var c) ? c : default),
            ToolName = toolName,
            ToolArguments = toolArguments,
        };
        error = null;
        return true;
    }

    protected override ValueTask WriteErrorAsync(HttpContext context, SimulatedError error, CancellationToken cancellationToken)
    {
        var (status, type, code, message) = error.Kind switch
        {
            ErrorKind.Authentication => (401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
            ErrorKind.PermissionDenied => (403, "invalid_request_error", null, "You are not allowed to access this resource."),
            ErrorKind.NotFound => (404, "invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."),
            ErrorKind.RateLimited => (429, "requests", "rate_limit_exceeded",
                $"Rate limit reached for requests. Please try again in {FaultInjector.RetryAfterSeconds}s."),
            ErrorKind.ServerError => (500, "server_error", null, "The server had an error while processing your request. Sorry about that!"),
            ErrorKind.Overloaded => (503, "server_error", null, "The engine is currently overloaded, please try again later."),
            _ => (400, "invalid_request_error", (string?)null, "Invalid request."),
        };

        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.Headers["x-request-id"] = SimulatorIds.Create("req_", 32);
        if (error.Kind == ErrorKind.RateLimited)
        {
            response.Headers.RetryAfter = FaultInjector.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            response.Headers["x-ratelimit-remaining-requests"] = "0";
            response.Headers["x-ratelimit-reset-requests"] = FaultInjector.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture) + "s";
        }

        var buffer = ResponseBuffer.Rent();
        WriteErrorObject(buffer.Writer, error.Message ?? message, type, error.Param, code);
        return buffer.SendAsync(response, cancellationToken);
    }

    protected override ValueTask WriteResponseAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        response.Headers["x-request-id"] = SimulatorIds.Create("req_", 32);

        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteString("id", SimulatorIds.Create("chatcmpl-", 29));
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", SimulatorIds.UnixNow());
        w.WriteString("model", request.Model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        if (reply.IsToolCall)
        {
            w.WriteNull("content");
            w.WriteNull("refusal");
            w.WriteStartArray("tool_calls");
            w.WriteStartObject();
            w.WriteString("id", SimulatorIds.Create("call_", 24));
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", reply.ToolName);
            w.WriteString("arguments", reply.ToolArguments);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndArray();
        }
        else
        {
            w.WriteString("content", reply.Text);
            w.WriteNull("refusal");
        }

        w.WriteStartArray("annotations");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteNull("logprobs");
        w.WriteString("finish_reason", FinishReason(reply.Finish));
        w.WriteEndObject();
        w.WriteEndArray();
        WriteUsage(w, reply);
        w.WriteString("service_tier", "default");
        w.WriteString("system_fingerprint", Fingerprint);
        w.WriteEndObject();
        return buffer.SendAsync(response, cancellationToken);
    }

    protected override async Task WriteStreamAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, StreamPacer pacer, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.Headers["x-request-id"] = SimulatorIds.Create("req_", 32);
        ResponseBuffer.StartStream(context, "text/event-stream; charset=utf-8");
        var chunk = new OpenAIChunkHeader(SimulatorIds.Create("chatcmpl-", 29), SimulatorIds.UnixNow(), request.Model, request.IncludeUsage);

        if (reply.IsToolCall)
        {
            await SendFirstToolChunkAsync(response, chunk, reply, cancellationToken);
            await StreamArgumentsAsync(
                reply.ToolArguments!,
                pacer,
                (response, chunk),
                static (s, fragment, ct) => SendArgumentsChunkAsync(s.response, s.chunk, fragment, ct),
                cancellationToken);
        }
        else
        {
            await SendContentChunkAsync(response, chunk, ReadOnlyMemory<char>.Empty, firstChunk: true, cancellationToken);
            await StreamTextAsync(
                reply.Text!,
                pacer,
                (response, chunk),
                static (s, text, ct) => SendContentChunkAsync(s.response, s.chunk, text.Text, firstChunk: false, ct),
                cancellationToken);
        }

        await SendFinishChunkAsync(response, chunk, reply.Finish, cancellationToken);
        if (request.IncludeUsage)
        {
            await SendUsageChunkAsync(response, chunk, reply, cancellationToken);
        }

        await ResponseBuffer.SendRawAsync(response, "data: [DONE]\n\n"u8, cancellationToken);
    }

    private static ValueTask SendContentChunkAsync(HttpResponse response, OpenAIChunkHeader chunk, ReadOnlyMemory<char> content, bool firstChunk, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        WriteChunkStart(w, chunk);
        if (firstChunk)
        {
            // The role is sent once, in the first chunk, with empty content as OpenAI does.
            w.WriteString("role", "assistant");
            w.WriteString("content", string.Empty);
            w.WriteNull("refusal");
        }
        else
        {
            w.WriteString("content", content.Span);
        }

        WriteChunkEnd(w, chunk, finishReason: null);
        return SendChunkAsync(buffer, response, cancellationToken);
    }

    private static ValueTask SendFirstToolChunkAsync(HttpResponse response, OpenAIChunkHeader chunk, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        WriteChunkStart(w, chunk);
        w.WriteString("role", "assistant");
        w.WriteNull("content");
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteString("id", SimulatorIds.Create("call_", 24));
        w.WriteString("type", "function");
        w.WriteStartObject("function");
        w.WriteString("name", reply.ToolName);
        w.WriteString("arguments", string.Empty);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteNull("refusal");
        WriteChunkEnd(w, chunk, finishReason: null);
        return SendChunkAsync(buffer, response, cancellationToken);
    }

    private static ValueTask SendArgumentsChunkAsync(HttpResponse response, OpenAIChunkHeader chunk, ReadOnlyMemory<char> fragment, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        WriteChunkStart(w, chunk);
        w.WriteStartArray("tool_calls");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("function");
        w.WriteString("arguments", fragment.Span);
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteEndArray();
        WriteChunkEnd(w, chunk, finishReason: null);
        return SendChunkAsync(buffer, response, cancellationToken);
    }

    private static ValueTask SendFinishChunkAsync(HttpResponse response, OpenAIChunkHeader chunk, FinishKind finish, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        WriteChunkStart(buffer.Writer, chunk);
        WriteChunkEnd(buffer.Writer, chunk, FinishReason(finish));
        return SendChunkAsync(buffer, response, cancellationToken);
    }

    private static ValueTask SendUsageChunkAsync(HttpResponse response, OpenAIChunkHeader chunk, SimulatedReply reply, CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        WriteChunkObjectStart(w, chunk);
        w.WriteStartArray("choices");
        w.WriteEndArray();
        WriteUsage(w, reply);
        w.WriteEndObject();
        return SendChunkAsync(buffer, response, cancellationToken);
    }

    private static ValueTask SendChunkAsync(ResponseBuffer buffer, HttpResponse response, CancellationToken cancellationToken) =>
        buffer.SendEventAsync(response, "data: "u8, "\n\n"u8, cancellationToken);

    private static void WriteChunkObjectStart(Utf8JsonWriter w, OpenAIChunkHeader chunk)
    {
        w.WriteStartObject();
        w.WriteString("id", chunk.Id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", chunk.Created);
        w.WriteString("model", chunk.Model);
        w.WriteString("service_tier", "default");
        w.WriteString("system_fingerprint", Fingerprint);
    }

    /// <summary>Writes the chunk envelope up to the open <c>delta</c> object of choice 0.</summary>
    private static void WriteChunkStart(Utf8JsonWriter w, OpenAIChunkHeader chunk)
    {
        WriteChunkObjectStart(w, chunk);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
    }

    private static void WriteChunkEnd(Utf8JsonWriter w, OpenAIChunkHeader chunk, string? finishReason)
    {
        w.WriteEndObject();
        w.WriteNull("logprobs");
        if (finishReason is null)
        {
            w.WriteNull("finish_reason");
        }
        else
        {
            w.WriteString("finish_reason", finishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        if (chunk.IncludeUsage)
        {
            // With include_usage every chunk but the last carries "usage": null; without it, no usage key at all.
            w.WriteNull("usage");
        }

        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, SimulatedReply reply)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", reply.PromptTokens);
        w.WriteNumber("completion_tokens", reply.CompletionTokens);
        w.WriteNumber("total_tokens", reply.TotalTokens);
        w.WriteStartObject("prompt_tokens_details");
        w.WriteNumber("cached_tokens", 0);
        w.WriteNumber("audio_tokens", 0);
        w.WriteEndObject();
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", 0);
        w.WriteNumber("audio_tokens", 0);
        w.WriteNumber("accepted_prediction_tokens", 0);
        w.WriteNumber("rejected_prediction_tokens", 0);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteErrorObject(Utf8JsonWriter w, string message, string type, string? param, string? code)
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", message);
        w.WriteString("type", type);
        WriteNullableString(w, "param", param);
        WriteNullableString(w, "code", code);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static string FinishReason(FinishKind finish) => finish switch
    {
        FinishKind.Length => "length",
        FinishKind.ToolCall => "tool_calls",
        _ => "stop",
    };

    /// <summary>
    /// The first function tool, or the one <c>tool_choice</c> names; none when tools are absent or
    /// <c>tool_choice</c> is <c>"none"</c>.
    /// </summary>
    private static (string? Name, string? Arguments) ChooseTool(JsonElement root, JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() == 0)
        {
            return (null, null);
        }

        string? forced = null;
        if (root.TryGetProperty("tool_choice", out var choice))
        {
            if (choice.ValueKind == JsonValueKind.String && choice.ValueEquals("none"))
            {
                return (null, null);
            }

            forced = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("function", out var f)
                ? RequestJson.GetString(f, "name")
                : null;
        }

        var functions = tools.EnumerateArray().Select(static tool => tool.TryGetProperty("function", out var function) ? function : default);
        return RequestJson.PickTool(functions, forced, "parameters");
    }
}
