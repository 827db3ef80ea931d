// The console's frame: header, resource tree on the left, the selected object's page, task log.
import { AppShell, Burger, Button, Group, Loader, Text, Title, Alert } from '@mantine/core';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { lazy, Suspense, useEffect } from 'react';
import { ClusterProvider, useCluster } from './store.tsx';
import { ResourceTree } from './Tree.tsx';
import { TaskLog } from './TaskLog.tsx';
import { hrefOf, type Route } from './route.ts';
import { ClusterPage } from './ClusterPage.tsx';

// the first view is the tree and the cluster page: the other pages (graphs, consoles, wizards,
// dialogs) are chunks of their own, loaded when first opened
const NodePage = lazy(() => import('./NodePage.tsx').then((m) => ({ default: m.NodePage })));
const GuestPage = lazy(() => import('./GuestPage.tsx').then((m) => ({ default: m.GuestPage })));
const VmWizard = lazy(() => import('./VmWizard.tsx').then((m) => ({ default: m.VmWizard })));
const CtWizard = lazy(() => import('./CtWizard.tsx').then((m) => ({ default: m.CtWizard })));

export function Shell(props: { user: string; route: Route; onLogout(): void }) {
  return (
    <ClusterProvider>
      <Frame {...props} />
    </ClusterProvider>
  );
}

function Frame({ user, route, onLogout }: { user: string; route: Route; onLogout(): void }) {
  const [opened, { toggle, close }] = useDisclosure(false);
  // on a phone the task log is one line under the page until asked for (Mantine's sm: 48em)
  const [tasksShown, { toggle: toggleTasks }] = useDisclosure(false);
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const c = useCluster();
  // on a phone the tree is a drawer: close it once something is chosen
  useEffect(close, [route, close]);
  // Create VM / Create CT from any page (as in Proxmox's header): on the node shown, else the
  // first node that is online
  const target = 'node' in route ? route.node : c.nodes.find((n) => n.status === 'online')?.node;
  return (
    <AppShell
      header={{ height: 52 }}
      navbar={{ width: 280, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      footer={{ height: phone ? (tasksShown ? 260 : 36) : 170 }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Show the resource tree"
            />
            <Title order={1} size="h3">
              openve
            </Title>
            <Text size="sm" c="dimmed" visibleFrom="xs">
              {c.live ? 'live' : 'connecting...'}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            {target && (
              <>
                <Button
                  component="a"
                  size="xs"
                  href={hrefOf({ page: 'create', node: target, kind: 'vm' })}
                  visibleFrom="sm"
                >
                  Create VM
                </Button>
                <Button
                  component="a"
                  size="xs"
                  href={hrefOf({ page: 'create', node: target, kind: 'ct' })}
                  visibleFrom="sm"
                >
                  Create CT
                </Button>
              </>
            )}
            <Text size="sm" visibleFrom="xs">
              {user}@pam
            </Text>
            <Button variant="default" size="xs" onClick={onLogout}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Resources">
        <ResourceTree route={route} />
      </AppShell.Navbar>
      <AppShell.Main>
        {c.error && (
          <Alert color="red" role="alert" mb="md" title="The node did not answer as expected">
            {c.error}
          </Alert>
        )}
        <Suspense fallback={<Loader size="sm" aria-label="Loading the page" />}>
          <Page route={route} />
        </Suspense>
      </AppShell.Main>
      <AppShell.Footer>
        {phone ? <TaskLog folded={!tasksShown} onFold={toggleTasks} /> : <TaskLog />}
      </AppShell.Footer>
    </AppShell>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'node':
      return <NodePage node={route.node} tab={route.tab} />;
    case 'guest':
      return (
        <GuestPage
          key={`${route.kind}${route.id}`}
          node={route.node}
          kind={route.kind}
          id={route.id}
          tab={route.tab}
        />
      );
    case 'create':
      return route.kind === 'vm' ? <VmWizard node={route.node} /> : <CtWizard node={route.node} />;
    default:
      return <ClusterPage />;
  }
}
