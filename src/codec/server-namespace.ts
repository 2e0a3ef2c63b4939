/**
 * The codec server's namespace check: a request names its namespace (`X-Namespace`, which the
 * Web UI and the temporal CLI send), and a payload bound to another namespace (format v2:
 * its binding is authenticated with it, binding.ts) is refused, not decoded — so the token of
 * one namespace's codec server does not read another namespace's payloads under the same keys.
 */
import type { Payload } from '@temporalio/common';
import { isEncrypted, payloadKeyId } from './aes-gcm-codec';
import { CONTEXT_METADATA, describeBinding, parseBinding } from './binding';
import { CodecMisplacedError } from './errors';

/**
 * The first payload bound to a namespace other than `namespace`, as the error refusing it;
 * undefined when every bound payload names `namespace` (unbound and plaintext payloads pass:
 * the codec's strict mode decides about those). The binding read here is the one the codec
 * authenticates: a payload relabelled to pass this check fails to decrypt (`Codec.Tampered`).
 */
export function otherNamespace(payloads: readonly Payload[], namespace: string): CodecMisplacedError | undefined {
  for (const payload of payloads) {
    if (!isEncrypted(payload)) continue;
    const bytes = payload.metadata?.[CONTEXT_METADATA];
    const binding = bytes ? parseBinding(Buffer.from(bytes).toString('utf8')) : undefined;
    if (binding !== undefined && binding[1] !== namespace)
      return new CodecMisplacedError(payloadKeyId(payload) ?? '(none)', describeBinding(binding), `namespace ${namespace} (X-Namespace)`);
  }
  return undefined;
}
