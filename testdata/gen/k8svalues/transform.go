package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"fmt"
	"time"

	"k8s.io/apiserver/pkg/storage/value"
	aestransformer "k8s.io/apiserver/pkg/storage/value/encrypt/aes"
	"k8s.io/apiserver/pkg/storage/value/encrypt/envelope"
	"k8s.io/apiserver/pkg/storage/value/encrypt/envelope/kmsv2"
	"k8s.io/apiserver/pkg/storage/value/encrypt/secretbox"
	kmsservice "k8s.io/kms/pkg/service"
)

// transformer is one provider with one key, wrapped as kube-apiserver's
// encryption config wraps it: value.NewPrefixTransformers with the prefix
// "k8s:enc:<provider>:<v1|v2>:<key name>:".
type transformer struct {
	provider, version, keyName string
	t                          value.Transformer
}

func (t *transformer) seal(ctx context.Context, etcdKey string, plain []byte) ([]byte, error) {
	// kube-apiserver authenticates the ciphertext with the etcd key.
	return t.t.TransformToStorage(ctx, plain, value.DefaultContext(etcdKey))
}

func prefixed(provider, version, keyName string, t value.Transformer) *transformer {
	p := fmt.Sprintf("k8s:enc:%s:%s:%s:", provider, version, keyName)
	return &transformer{provider, version, keyName, value.NewPrefixTransformers(nil, value.PrefixTransformer{Prefix: []byte(p), Transformer: t})}
}

// fixtureKey derives a test key from its name: these keys protect nothing.
func fixtureKey(name string) [32]byte { return sha256.Sum256([]byte("dbinspect fixture key " + name)) }

func aescbc(keyName string) (*transformer, error) {
	k := fixtureKey(keyName)
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return prefixed("aescbc", "v1", keyName, aestransformer.NewCBCTransformer(block)), nil
}

func aesgcm(keyName string) (*transformer, error) {
	k := fixtureKey(keyName)
	block, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	t, err := aestransformer.NewGCMTransformer(block)
	if err != nil {
		return nil, err
	}
	return prefixed("aesgcm", "v1", keyName, t), nil
}

func secretboxKey(keyName string) *transformer {
	return prefixed("secretbox", "v1", keyName, secretbox.NewSecretboxTransformer(fixtureKey(keyName)))
}

// fakeKMS is an in-process KMS v2 plugin: it "encrypts" DEK seeds by XOR
// with a fixed key. Only the envelope's shape matters here.
type fakeKMS struct{ keyID string }

func (f *fakeKMS) xor(b []byte) []byte {
	k := fixtureKey(f.keyID)
	out := make([]byte, len(b))
	for i := range b {
		out[i] = b[i] ^ k[i%len(k)]
	}
	return out
}

func (f *fakeKMS) Encrypt(_ context.Context, _ string, data []byte) (*kmsservice.EncryptResponse, error) {
	return &kmsservice.EncryptResponse{Ciphertext: f.xor(data), KeyID: f.keyID}, nil
}

func (f *fakeKMS) Decrypt(_ context.Context, _ string, req *kmsservice.DecryptRequest) ([]byte, error) {
	return f.xor(req.Ciphertext), nil
}

func (f *fakeKMS) Status(context.Context) (*kmsservice.StatusResponse, error) {
	return &kmsservice.StatusResponse{Version: "v2", Healthz: "ok", KeyID: f.keyID}, nil
}

// kmsV2 builds the KMS v2 envelope transformer the way kube-apiserver's
// encryption config does: a DEK seed from kmsv2.GenerateTransformer, held
// in the State its StateFunc returns.
func kmsV2(ctx context.Context, name string) (*transformer, error) {
	svc := &fakeKMS{keyID: "fake-kek-1"}
	t, obj, cacheKey, err := kmsv2.GenerateTransformer(ctx, "fixture", svc, true)
	if err != nil {
		return nil, err
	}
	state := kmsv2.State{
		Transformer:                           t,
		EncryptedObjectKeyID:                  obj.KeyID,
		EncryptedObjectEncryptedDEKSource:     obj.EncryptedDEKSource,
		EncryptedObjectAnnotations:            obj.Annotations,
		EncryptedObjectEncryptedDEKSourceType: obj.EncryptedDEKSourceType,
		UID:                                   "fixture",
		ExpirationTimestamp:                   time.Now().Add(time.Hour),
		CacheKey:                              cacheKey,
		KMSProviderName:                       name,
	}
	env := kmsv2.NewEnvelopeTransformer(svc, name, func() (kmsv2.State, error) { return state, nil }, "fixture-apiserver")
	return prefixed("kms", "v2", name, env), nil
}

// fakeKMSv1 is an in-process KMS v1 plugin (envelope.Service): it "wraps"
// DEKs by XOR with a fixed key.
type fakeKMSv1 struct{ fakeKMS }

func (f *fakeKMSv1) Encrypt(data []byte) ([]byte, error) { return f.xor(data), nil }
func (f *fakeKMSv1) Decrypt(data []byte) ([]byte, error) { return f.xor(data), nil }

// kmsV1 builds the KMS v1 envelope transformer as kube-apiserver's
// encryption config does (envelopePrefixTransformer in
// k8s.io/apiserver/pkg/server/options/encryptionconfig): DEKs wrapped by
// the plugin, data sealed with AES-GCM (the first of its union, the one it
// writes with), behind "k8s:enc:kms:v1:<name>:".
func kmsV1(name string) *transformer {
	svc := &fakeKMSv1{fakeKMS{keyID: "fake-kek-v1"}}
	base := func(block cipher.Block) (value.Transformer, error) { return aestransformer.NewGCMTransformer(block) }
	return prefixed("kms", "v1", name, envelope.NewEnvelopeTransformer(svc, 100, base))
}
