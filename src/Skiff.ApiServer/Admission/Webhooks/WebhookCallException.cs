namespace Skiff.ApiServer.Admission.Webhooks;

/// <summary>
/// A webhook could not be called or answered nonsense (kube-apiserver's ErrCallingWebhook): unreachable, timed out,
/// TLS refused, a non-200 answer or a malformed AdmissionReview. The webhook's failurePolicy decides what happens.
/// </summary>
internal sealed class WebhookCallException(string message, Exception? inner = null) : Exception(message, inner);
