# Typing variants for a model's own (news) types over dumped span embeddings (docs/BENCHMARKS.md 0.9; measured,
# not adopted): the type head, prototypes, both, k-means prototypes per type, k nearest train spans.
#   python scripts/experiments/typing_variants.py OUT_DIR MODEL_DIR   (OUT_DIR from typing-variants-dump.ts)
import json, sys, numpy as np
D=256
base=sys.argv[1].rstrip('/')+'/'
def load(split, det=True):
    r=json.load(open(base+split+'.json'))
    g=np.fromfile(base+split+'.gold.f32',dtype=np.float32).reshape(-1,D)
    d=np.fromfile(base+split+'.det.f32',dtype=np.float32).reshape(-1,D) if det else None
    return r,g,d
tr,gtr,_=load('eng.train',False)
labels_tr=[s[2] for l in tr['gold'] for s in l]
LABELS=['ORG','MISC','PER','LOC']
y=np.array([LABELS.index(l) for l in labels_tr])
def norm(x): return x/np.linalg.norm(x,axis=-1,keepdims=True).clip(1e-9)
gtr=norm(gtr)
types=json.load(open(sys.argv[2].rstrip('/')+'/types.json'))
head=norm(np.array(types['typeHead'],dtype=np.float32).reshape(4,D))
proto=norm(np.array(types['prototypes'],dtype=np.float32).reshape(4,D))
SCALE=16
def f1(rec, pred):
    tp=fp=fn=0
    for g,p in zip(rec['gold'],pred):
        G=set(tuple(x) for x in g); P=set(p)
        tp+=len(G&P); fp+=len(P-G); fn+=len(G-P)
    pr=tp/max(tp+fp,1); rc=tp/max(tp+fn,1); return 100*2*pr*rc/max(pr+rc,1e-9)
def typed(rec, det, scorefn):
    S=scorefn(norm(det))  # [M,4] logits
    lab=S.argmax(1); out=[]; m=0
    for l in rec['detected']:
        out.append([(s[0],s[1],LABELS[lab[m+i]]) for i,s in enumerate(l)]); m+=len(l)
    return out
def span_only(rec):
    tp=fp=fn=0
    for g,d in zip(rec['gold'],rec['detected']):
        G=set((x[0],x[1]) for x in g); P=set((x[0],x[1]) for x in d)
        tp+=len(G&P); fp+=len(P-G); fn+=len(G-P)
    pr=tp/(tp+fp); rc=tp/(tp+fn); return 100*2*pr*rc/(pr+rc)
def kmeans(X,k,it=30,seed=0):
    rng=np.random.default_rng(seed); C=X[rng.choice(len(X),k,replace=False)]
    for _ in range(it):
        a=(X@C.T).argmax(1)
        for j in range(k):
            if (a==j).any(): C[j]=X[a==j].mean(0)
        C=norm(C)
    return C
def multi(k):
    cs=[];ls=[]
    for c in range(4):
        X=gtr[y==c]; C=kmeans(X.copy(),min(k,len(X))); cs.append(C); ls+= [c]*len(C)
    C=np.concatenate(cs); ls=np.array(ls)
    def fn(E):
        s=E@C.T; out=np.full((len(E),4),-1e9)
        for c in range(4): out[:,c]=s[:,ls==c].max(1)
        return out
    return fn
def knn(k):
    def fn(E):
        s=E@gtr.T; idx=np.argpartition(-s,k,axis=1)[:,:k]; out=np.zeros((len(E),4))
        for c in range(4): out[:,c]=(y[idx]==c).sum(1)+1e-3*(s[np.arange(len(E))[:,None],idx]*(y[idx]==c)).sum(1)
        return out
    return fn
variants={'head':lambda E:E@head.T,'proto':lambda E:E@proto.T,'head+proto':lambda E:E@head.T+E@proto.T}
for k in [2,4,8,16,32]: variants[f'multi{k}']=multi(k)
for k in [1,5,15,50]: variants[f'knn{k}']=knn(k)
for split in ['eng.testa','eng.testb']:
    rec,g,d=load(split)
    print(split,'span F1',round(span_only(rec),2))
    for n,fn in variants.items():
        print(f'  {n:12s} {f1(rec,typed(rec,d,fn)):.2f}')
