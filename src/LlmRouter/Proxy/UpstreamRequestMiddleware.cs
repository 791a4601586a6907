using System.Diagnostics;
using LlmRouter.Chat;
using LlmRouter.Providers;
using LlmRouter.Resilience;
using LlmRouter.Routing;
using LlmRouter.Telemetry;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LlmRouter.Proxy;

/// <summary>
/// Runs after load balancing, once per attempt: the destination is known, so translate the parsed request
/// for its provider, install it as the body YARP forwards, and stamp the routing decision on the response.
/// </summary>
internal sealed class UpstreamRequestMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ProviderAdapters _adapters;
    private readonly DeploymentCircuitBreakers _breakers;

    public UpstreamRequestMiddleware(RequestDelegate next, ProviderAdapters adapters, DeploymentCircuitBreakers breakers)
    {
        _next = next;
        _adapters = adapters;
        _breakers = breakers;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var routing = context.Features.Get<ChatRoutingFeature>();
        var state = context.Features.Get<ForwardingState>();
        var proxy = context.Features.Get<IReverseProxyFeature>();
        if (routing is null || state is null || proxy is null || proxy.AvailableDestinations.Count == 0)
        {
            await _next(context);
            return;
        }

        var destination = proxy.AvailableDestinations[0];
        if (!routing.Catalog.Deployments.TryGetValue(destination.DestinationId, out var deployment))
        {
            // A reload added this destination after the request took its catalog snapshot: never forward
            // with another deployment's state (key, path, body); try elsewhere instead.
            state.MarkFailed(destination.DestinationId);
            state.RetryRequested = true;
            return;
        }

        var adapter = _adapters[deployment.Provider];
        UpstreamRequest upstream;
        try
        {
            upstream = adapter.CreateRequest(routing.Request, deployment);
        }
        catch (InvalidRequestException) when (state.Attempts > 0)
        {
            // A retry landed on a provider that cannot honour the request: that deployment is ineligible, and the
            // earlier (retryable) failure stays the answer if nothing else can take it.
            state.MarkFailed(deployment.Id);
            state.RetryRequested = true;
            return;
        }
        catch (InvalidRequestException ex)
        {
            await GatewayError.WriteAsync(context, ex.StatusCode, ex.Message, "invalid_request_error", ex.Param, ex.Code);
            return;
        }

        state.BeginAttempt(deployment, adapter, upstream.PathAndQuery);
        var request = context.Request;
        request.Body = new ReadOnlyMemoryStream(upstream.Body);
        request.ContentLength = upstream.Body.Length;
        request.ContentType = "application/json";

        var headers = context.Response.Headers;
        headers[ProxyIds.RouteHeader] = routing.Route.Name;
        headers[ProxyIds.DeploymentHeader] = deployment.Id;
        headers[ProxyIds.PolicyHeader] = routing.Route.Options.Policy;
        headers[ProxyIds.AttemptsHeader] = state.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (routing.Category is { } category)
        {
            headers[ProxyIds.CategoryHeader] = category;
        }

        using var activity = GatewayTracing.Source.StartActivity($"chat {deployment.UpstreamModel}", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("gen_ai.operation.name", "chat");
            activity.SetTag("gen_ai.provider.name", GatewayMetrics.ProviderName(deployment.Provider));
            activity.SetTag("gen_ai.request.model", deployment.UpstreamModel);
            activity.SetTag("llmrouter.route", routing.Route.Name);
            activity.SetTag("llmrouter.deployment", deployment.Id);
            activity.SetTag("llmrouter.attempt", state.Attempts);
        }

        var breaker = _breakers.For(deployment.Id);
        await breaker.Pipeline.ExecuteAsync(static async (scope, _) =>
        {
            await scope.Next(scope.Context);
            return Verdict(scope.Context, scope.State);
        }, new BreakerScope(_next, context, state), CancellationToken.None);

        if (activity is not null && state.Usage is { } usage)
        {
            activity.SetTag("gen_ai.usage.input_tokens", usage.PromptTokens);
            activity.SetTag("gen_ai.usage.output_tokens", usage.CompletionTokens);
        }

        if (state.RetryRequested || state.LastError is not null && context.Response.StatusCode >= 400)
        {
            activity?.SetStatus(ActivityStatusCode.Error, state.LastError?.Type);
        }
    }

    // What this attempt says about the deployment's health, for its circuit breaker.
    private static AttemptVerdict Verdict(HttpContext context, ForwardingState state)
    {
        // A client that left (or never finished sending) says nothing about the deployment's health.
        var forwarderError = context.Features.Get<IForwarderErrorFeature>()?.Error;
        if (state.ClientAborted.IsCancellationRequested || forwarderError is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient)
        {
            return AttemptVerdict.ClientError;
        }

        if (state.RetryRequested || forwarderError is not null)
        {
            return AttemptVerdict.Failure;
        }

        var status = context.Response.StatusCode;
        if (UpstreamError.IsClientFaultStatus(status))
        {
            return AttemptVerdict.ClientError;
        }

        return status >= 400 || (context.Response.HasStarted && !state.LastAttemptSucceeded) ? AttemptVerdict.Failure : AttemptVerdict.Success;
    }

    private sealed record BreakerScope(RequestDelegate Next, HttpContext Context, ForwardingState State);
}
