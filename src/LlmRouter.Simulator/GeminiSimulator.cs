using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace LlmRouter.Simulator;

/// <summary>
/// Gemini: <c>POST /v1beta/models/{model}:generateContent</c> and <c>:streamGenerateContent</c>, streamed as SSE
/// (<c>?alt=sse</c>, CRLF-framed, no terminator) or, without <c>alt=sse</c>, as one incrementally written JSON array.
/// </summary>
internal sealed class GeminiSimulator : ProviderSimulator
{
    /// <summary>The route value holding <c>{model}:{method}</c>; the colon keeps it one path segment.</summary>
    public const string ModelAndMethodRouteKey = "modelAndMethod";

    private const string GenerateMethod = "generateContent";
    private const string StreamMethod = "streamGenerateContent";

    protected override SimulatedError? PreCheck(HttpContext context)
    {
        var request = context.Request;

        // python-genai sends the header; other clients put the key in the query string.
        if (string.IsNullOrEmpty(request.Headers["x-goog-api-key"]) && string.IsNullOrEmpty(request.Query["key"]))
        {
            return new SimulatedError(
                ErrorKind.PermissionDenied,
                "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
        }

        var (model, method) = SplitModelAndMethod(context);
        return model.Length == 0 || method is not (GenerateMethod or StreamMethod)
            ? new SimulatedError(ErrorKind.NotFound, $"models/{model} is not found for API version v1beta, or {method} is not supported.")
            : null;
    }

    protected override bool TryParse(
        HttpContext context,
        string deployment,
        JsonElement root,
        [NotNullWhen(true)] out SimulatedRequest? request,
        [NotNullWhen(false)] out SimulatedError? error)
    {
        if (!root.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array || contents.GetArrayLength() == 0)
        {
            return Fail("* GenerateContentRequest.contents: contents is not specified\n", "contents", out request, out error);
        }

        var (model, method) = SplitModelAndMethod(context);
        var last = contents[contents.GetArrayLength() - 1];
        var role = RequestJson.GetString(last, "role");
        var lastTurn = TurnKind.Other;
        string? subject;
        if (role is null or "user" or "function" && last.TryGetProperty("parts", out var parts))
        {
            var functionResponse = FindFunctionResponse(parts);
            lastTurn = functionResponse is null ? TurnKind.User : TurnKind.ToolResult;
            subject = functionResponse is { } result ? ResultText(result) : RequestJson.TextOf(parts);
        }
        else
        {
            subject = RequestJson.LastUserText(contents, "parts");
        }

        RequestJson.TryGetProperty(root, "systemInstruction", "system_instruction", out var system);
        RequestJson.TryGetProperty(root, "tools", "tools", out var tools);
        RequestJson.TryGetProperty(root, "generationConfig", "generation_config", out var generationConfig);
        var maxOutputTokens = RequestJson.TryGetProperty(generationConfig, "maxOutputTokens", "max_output_tokens", out var max)
            && max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var limit)
                ? limit
                : (int?)null;
        var (toolName, toolArguments) = ChooseTool(root, tools);
        request = new SimulatedRequest
        {
            Deployment = deployment,
            Model = model.ToString(),
            Stream = method == StreamMethod,
            PromptTokens = RequestJson.EstimateTokens(system, contents, tools),
            MaxOutputTokens = maxOutputTokens,
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
        var (code, status, message) = error.Kind switch
        {
            ErrorKind.Authentication => (401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
            ErrorKind.PermissionDenied => (403, "PERMISSION_DENIED", "The caller does not have permission."),
            ErrorKind.NotFound => (404, "NOT_FOUND", "Requested entity was not found."),
            ErrorKind.RateLimited => (429, "RESOURCE_EXHAUSTED",
                $"You exceeded your current quota, please check your plan and billing details. Please retry in {FaultInjector.RetryAfterSeconds}s."),
            ErrorKind.ServerError => (500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting"),
            ErrorKind.Overloaded => (503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
            _ => (400, "INVALID_ARGUMENT", "Request contains an invalid argument."),
        };

        var response = context.Response;
        response.StatusCode = code;
        response.ContentType = "application/json; charset=UTF-8";

        var buffer = ResponseBuffer.Rent();
        var w = buffer.Writer;
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteNumber("code", code);
        w.WriteString("message", error.Message ?? message);
        w.WriteString("status", status);
        if (error.Kind == ErrorKind.RateLimited)
        {
            // Gemini sends no Retry-After header; the wait lives in the body as RetryInfo.
            w.WriteStartArray("details");
            w.WriteStartObject();
            w.WriteString("@type", "type.googleapis.com/google.rpc.QuotaFailure");
            w.WriteStartArray("violations");
            w.WriteStartObject();
            w.WriteString("quotaMetric", "generativelanguage.googleapis.com/generate_content_requests");
            w.WriteString("quotaId", "GenerateRequestsPerMinutePerProjectPerModel");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("@type", "type.googleapis.com/google.rpc.RetryInfo");
            w.WriteString("retryDelay", FaultInjector.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture) + "s");
            w.WriteEndObject();
            w.WriteEndArray();
        }

        w.WriteEndObject();
        w.WriteEndObject();
        return buffer.SendAsync(response, cancellationToken);
    }

    protected override ValueTask WriteResponseAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, CancellationToken cancellationToken)
    {
        context.Response.ContentType = "application/json; charset=UTF-8";
        var buffer = ResponseBuffer.Rent();
        WriteResponseObject(buffer.Writer, request, reply, reply.Text.AsMemory(), reply.CompletionTokens, isLast: true, NewResponseId());
        return buffer.SendAsync(context.Response, cancellationToken);
    }

    protected override async Task WriteStreamAsync(HttpContext context, SimulatedRequest request, SimulatedReply reply, StreamPacer pacer, CancellationToken cancellationToken)
    {
        var sse = string.Equals(context.Request.Query["alt"], "sse", StringComparison.Ordinal);
        ResponseBuffer.StartStream(context, sse ? "text/event-stream" : "application/json; charset=UTF-8");
        var response = context.Response;
        var responseId = NewResponseId();

        if (reply.IsToolCall)
        {
            // Gemini delivers a functionCall part whole, in one chunk.
            await SendChunkAsync(response, request, reply, default, reply.CompletionTokens, isLast: true, responseId, sse, first: true, cancellationToken);
        }
        else
        {
            await StreamTextAsync(
                reply.Text!,
                pacer,
                (response, request, reply, responseId, sse),
                static (s, text, ct) => SendChunkAsync(s.response, s.request, s.reply, text.Text, text.WordsSent, text.IsLast, s.responseId, s.sse, text.IsFirst, ct),
                cancellationToken);
        }

        if (!sse)
        {
            await ResponseBuffer.SendRawAsync(response, "]"u8, cancellationToken);
        }
    }

    private static ValueTask SendChunkAsync(
        HttpResponse response,
        SimulatedRequest request,
        SimulatedReply reply,
        ReadOnlyMemory<char> text,
        int candidatesTokens,
        bool isLast,
        string responseId,
        bool sse,
        bool first,
        CancellationToken cancellationToken)
    {
        var buffer = ResponseBuffer.Rent();
        WriteResponseObject(buffer.Writer, request, reply, text, candidatesTokens, isLast, responseId);
        return sse
            ? buffer.SendEventAsync(response, "data: "u8, "\r\n\r\n"u8, cancellationToken)
            : buffer.SendEventAsync(response, first ? "["u8 : ",\r\n"u8, default, cancellationToken);
    }

    /// <summary>
    /// Writes one GenerateContentResponse: the whole reply, or one stream chunk carrying only its new text, with
    /// cumulative usage and the finish reason on the last chunk.
    /// </summary>
    private static void WriteResponseObject(
        Utf8JsonWriter w, SimulatedRequest request, SimulatedReply reply, ReadOnlyMemory<char> text, int candidatesTokens, bool isLast, string responseId)
    {
        w.WriteStartObject();
        w.WriteStartArray("candidates");
        w.WriteStartObject();
        w.WriteStartObject("content");
        w.WriteStartArray("parts");
        w.WriteStartObject();
        if (reply.IsToolCall)
        {
            w.WriteStartObject("functionCall");
            w.WriteString("name", reply.ToolName);
            w.WritePropertyName("args");
            w.WriteRawValue(reply.ToolArguments!, skipInputValidation: true);
            w.WriteEndObject();
        }
        else
        {
            w.WriteString("text", text.Span);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("role", "model");
        w.WriteEndObject();
        if (isLast)
        {
            w.WriteString("finishReason", reply.Finish == FinishKind.Length ? "MAX_TOKENS" : "STOP");
        }

        w.WriteNumber("index", 0);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("usageMetadata");
        w.WriteNumber("promptTokenCount", reply.PromptTokens);
        w.WriteNumber("candidatesTokenCount", candidatesTokens);
        w.WriteNumber("totalTokenCount", reply.PromptTokens + candidatesTokens);
        w.WriteEndObject();
        w.WriteString("modelVersion", request.Model);
        w.WriteString("responseId", responseId);
        w.WriteEndObject();
    }

    private static string NewResponseId() => SimulatorIds.Create(string.Empty, 22);

    private static (ReadOnlyMemory<char> Model, string Method) SplitModelAndMethod(HttpContext context)
    {
        var value = context.Request.RouteValues[ModelAndMethodRouteKey] as string ?? string.Empty;
        var colon = value.LastIndexOf(':');
        return colon < 0
            ? (value.AsMemory(), string.Empty)
            : (value.AsMemory(0, colon), value[(colon + 1)..]);
    }

    private static JsonElement? FindFunctionResponse(JsonElement parts)
    {
        if (parts.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var part in parts.EnumerateArray())
        {
            if (RequestJson.TryGetProperty(part, "functionResponse", "function_response", out var functionResponse))
            {
                return functionResponse;
            }
        }

        return null;
    }

    /// <summary>The result's <c>output</c> when it is text, else the whole response object as JSON.</summary>
    private static string? ResultText(JsonElement functionResponse)
    {
        if (!functionResponse.TryGetProperty("response", out var response))
        {
            return null;
        }

        return RequestJson.GetString(response, "output") ?? response.GetRawText();
    }

    /// <summary>
    /// The first function declaration, or the first allowed one; none when tools are absent or the calling mode is
    /// <c>NONE</c>.
    /// </summary>
    private static (string? Name, string? Arguments) ChooseTool(JsonElement root, JsonElement tools)
    {
        if (tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() == 0)
        {
            return (null, null);
        }

        string? forced = null;
        if (RequestJson.TryGetProperty(root, "toolConfig", "tool_config", out var toolConfig)
            && RequestJson.TryGetProperty(toolConfig, "functionCallingConfig", "function_calling_config", out var config))
        {
            if (RequestJson.GetString(config, "mode") is "NONE" or "none")
            {
                return (null, null);
            }

            if (RequestJson.TryGetProperty(config, "allowedFunctionNames", "allowed_function_names", out var allowed)
                && allowed.ValueKind == JsonValueKind.Array
                && allowed.GetArrayLength() > 0
                && allowed[0].ValueKind == JsonValueKind.String)
            {
                forced = allowed[0].GetString();
            }
        }

        var declarations = tools.EnumerateArray().SelectMany(static tool =>
            RequestJson.TryGetProperty(tool, "functionDeclarations", "function_declarations", out var list) && list.ValueKind == JsonValueKind.Array
                ? (IEnumerable<JsonElement>)list.EnumerateArray()
                : []);
        return RequestJson.PickTool(declarations, forced, "parameters", "parametersJsonSchema");
    }
}
