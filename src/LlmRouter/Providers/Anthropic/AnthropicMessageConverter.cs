using System.Text;
using System.Text.Json;
using LlmRouter.Chat;

namespace LlmRouter.Providers.Anthropic;

/// <summary>
/// Rewrites OpenAI <c>messages</c> into Anthropic's conversation rules: system/developer text hoisted in order;
/// empty text blocks and empty messages dropped; tool results grouped into one user turn, results first;
/// consecutive same-role turns merged; a final assistant prefill stripped of trailing whitespace.
/// </summary>
internal static class AnthropicMessageConverter
{
    private static readonly string[] SupportedImageTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"];

    public static AnthropicConversation Convert(JsonElement messages)
    {
        var conversation = new AnthropicConversation();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.GetProperty("role").GetString();
            switch (role)
            {
                case "system" or "developer":
                    AddSystem(conversation, message);
                    break;
                case "user":
                    AddUser(conversation, message, index);
                    break;
                case "assistant":
                    AddAssistant(conversation, message, index);
                    break;
                case "tool":
                    AddToolResult(conversation, message);
                    break;
                default:
                    throw new InvalidRequestException(
                        $"Invalid value: '{role}'. The '{role}' role is not supported for this model; use 'tool' messages for tool results.",
                        $"messages[{index}].role");
            }

            index++;
        }

        TrimFinalPrefill(conversation);
        if (conversation.Turns.Count == 0)
        {
            throw new InvalidRequestException(
                "Invalid 'messages': at least one user or assistant message with non-empty content is required.", "messages");
        }

        return conversation;
    }

    private static void AddSystem(AnthropicConversation conversation, JsonElement message)
    {
        var content = message.GetProperty("content");
        if (content.ValueKind == JsonValueKind.String)
        {
            AddIfNotBlank(conversation.System, content.GetString());
            return;
        }

        foreach (var part in content.EnumerateArray())
        {
            if (IsTextPart(part, out var text))
            {
                AddIfNotBlank(conversation.System, text);
            }
        }
    }

    private static void AddUser(AnthropicConversation conversation, JsonElement message, int index)
    {
        var content = message.GetProperty("content");
        var turn = default(AnthropicTurn);
        if (content.ValueKind == JsonValueKind.String)
        {
            if (content.GetString() is { } text && !string.IsNullOrWhiteSpace(text))
            {
                Append(conversation, ref turn, "user", AnthropicBlock.FromText(text));
            }

            return;
        }

        var partIndex = 0;
        foreach (var part in content.EnumerateArray())
        {
            var type = part.GetProperty("type").GetString();
            switch (type)
            {
                case "text":
                    if (IsTextPart(part, out var text) && !string.IsNullOrWhiteSpace(text))
                    {
                        Append(conversation, ref turn, "user", AnthropicBlock.FromText(text));
                    }

                    break;
                case "image_url":
                    Append(conversation, ref turn, "user", ConvertImage(part, index, partIndex));
                    break;
                default:
                    throw new InvalidRequestException(
                        $"Invalid value: '{type}'. Content parts of type '{type}' are not supported for this model.",
                        $"messages[{index}].content[{partIndex}].type");
            }

            partIndex++;
        }
    }

    private static void AddAssistant(AnthropicConversation conversation, JsonElement message, int index)
    {
        var turn = default(AnthropicTurn);
        if (message.TryGetProperty("content", out var content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                if (content.GetString() is { } text && !string.IsNullOrWhiteSpace(text))
                {
                    Append(conversation, ref turn, "assistant", AnthropicBlock.FromText(text));
                }
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                foreach (var part in content.EnumerateArray())
                {
                    // Assistant refusal parts carry no text the model needs to continue from.
                    if (IsTextPart(part, out var text) && !string.IsNullOrWhiteSpace(text))
                    {
                        Append(conversation, ref turn, "assistant", AnthropicBlock.FromText(text));
                    }
                }
            }
        }

        if (!message.TryGetProperty("tool_calls", out var toolCalls) || toolCalls.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var callIndex = 0;
        foreach (var call in toolCalls.EnumerateArray())
        {
            var function = call.GetProperty("function");
            var name = function.GetProperty("name").GetString()!;
            var input = ParseArguments(function, $"messages[{index}].tool_calls[{callIndex}].function.arguments");
            Append(conversation, ref turn, "assistant", new AnthropicBlock
            {
                Kind = AnthropicBlockKind.ToolUse,
                Id = call.GetProperty("id").GetString(),
                Text = name,
                Input = input,
            });
            conversation.HasToolBlocks = true;
            if (!conversation.ToolNamesUsed.Contains(name))
            {
                conversation.ToolNamesUsed.Add(name);
            }

            callIndex++;
        }
    }

    private static void AddToolResult(AnthropicConversation conversation, JsonElement message)
    {
        var turn = default(AnthropicTurn);
        message.TryGetProperty("content", out var content);
        Append(conversation, ref turn, "user", new AnthropicBlock
        {
            Kind = AnthropicBlockKind.ToolResult,
            Id = message.GetProperty("tool_call_id").GetString(),
            Text = string.Empty,
            Content = content,
        });
        conversation.HasToolBlocks = true;
    }

    // Adds a block to the current turn, or to the previous turn when it has the same role (merging), or to a new turn.
    // A message that yields no blocks never creates a turn, so its neighbours merge across it.
    private static void Append(AnthropicConversation conversation, ref AnthropicTurn? turn, string role, in AnthropicBlock block)
    {
        if (turn is null)
        {
            var turns = conversation.Turns;
            if (turns.Count > 0 && turns[^1].Role == role)
            {
                turn = turns[^1];
            }
            else
            {
                turn = new AnthropicTurn(role);
                turns.Add(turn);
            }
        }

        turn.Add(block);
    }

    private static AnthropicBlock ConvertImage(JsonElement part, int index, int partIndex)
    {
        var param = $"messages[{index}].content[{partIndex}].image_url";
        var url = part.TryGetProperty("image_url", out var imageUrl) ? imageUrl.ValueKind switch
        {
            JsonValueKind.Object when imageUrl.TryGetProperty("url", out var value) && value.ValueKind == JsonValueKind.String => value.GetString(),
            JsonValueKind.String => imageUrl.GetString(),
            _ => null,
        } : null;

        if (string.IsNullOrEmpty(url))
        {
            throw new InvalidRequestException($"Missing required parameter: '{param}.url'.", param);
        }

        if (url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return new AnthropicBlock { Kind = AnthropicBlockKind.ImageUrl, Text = url };
        }

        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidRequestException(
                $"Invalid '{param}': expected an https URL or a base64 data URL.", param, "invalid_image_url");
        }

        // data:<mime>;base64,<data>
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        var header = comma < 0 ? string.Empty : url[5..comma];
        const string Base64Suffix = ";base64";
        if (comma < 0 || !header.EndsWith(Base64Suffix, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidRequestException($"Invalid '{param}': a data URL must be base64-encoded.", param, "invalid_image_url");
        }

        var mediaType = header[..^Base64Suffix.Length].ToLowerInvariant();
        if (Array.IndexOf(SupportedImageTypes, mediaType) < 0)
        {
            throw new InvalidRequestException(
                $"Invalid '{param}': unsupported image type '{mediaType}'. Supported types are image/jpeg, image/png, image/gif and image/webp.",
                param,
                "invalid_image_format");
        }

        return new AnthropicBlock { Kind = AnthropicBlockKind.ImageBase64, Text = url, MediaType = mediaType, DataOffset = comma + 1 };
    }

    // Anthropic wants tool_use.input as an object: empty arguments mean no arguments; anything that is not a JSON
    // object is the client's error and is refused here rather than by the upstream.
    private static ReadOnlyMemory<byte> ParseArguments(JsonElement function, string param)
    {
        if (!function.TryGetProperty("arguments", out var arguments) || arguments.ValueKind == JsonValueKind.Null)
        {
            return "{}"u8.ToArray();
        }

        if (arguments.ValueKind != JsonValueKind.String)
        {
            throw new InvalidRequestException($"Invalid type for '{param}': expected a string.", param, "invalid_type");
        }

        var text = arguments.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "{}"u8.ToArray();
        }

        var utf8 = Encoding.UTF8.GetBytes(text);
        try
        {
            var reader = new Utf8JsonReader(utf8, JsonLimits.ReaderOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new InvalidRequestException($"Invalid '{param}': the arguments must be a JSON object.", param);
            }

            reader.Skip();
            if (reader.Read())
            {
                throw new InvalidRequestException($"Invalid '{param}': the arguments must be a single JSON object.", param);
            }
        }
        catch (JsonException)
        {
            throw new InvalidRequestException($"Invalid '{param}': the arguments are not valid JSON.", param);
        }

        return utf8;
    }

    private static void TrimFinalPrefill(AnthropicConversation conversation)
    {
        var turns = conversation.Turns;
        if (turns.Count == 0 || turns[^1].Role != "assistant")
        {
            return;
        }

        var blocks = turns[^1].Blocks;
        if (blocks[^1].Kind != AnthropicBlockKind.Text)
        {
            return;
        }

        // Anthropic rejects a final assistant message that ends in whitespace.
        var trimmed = blocks[^1].Text.TrimEnd();
        if (trimmed.Length > 0)
        {
            blocks[^1] = AnthropicBlock.FromText(trimmed);
            return;
        }

        blocks.RemoveAt(blocks.Count - 1);
        if (blocks.Count == 0)
        {
            turns.RemoveAt(turns.Count - 1);
        }
    }

    private static bool IsTextPart(JsonElement part, out string? text)
    {
        text = null;
        if (part.ValueKind == JsonValueKind.Object
            && part.TryGetProperty("type", out var type) && type.ValueEquals("text"u8)
            && part.TryGetProperty("text", out var value) && value.ValueKind == JsonValueKind.String)
        {
            text = value.GetString();
            return true;
        }

        return false;
    }

    private static void AddIfNotBlank(List<string> list, string? text)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            list.Add(text);
        }
    }
}
